import { describe, expect, it } from 'vitest';
import { nodeGpuContext } from '../../models/gpu/node-gpu.ts';
import { add, addInto } from '../../models/kernels/add.ts';
import { addRef } from '../../models/reference/add.ts';
import { expectClose } from '../helpers/compare.ts';
import { randomArray } from '../helpers/random.ts';

describe('add kernel', () => {
  for (const n of [1, 3, 17, 257, 769, 70_001]) {
    it(`matches the float64 twin at n=${n}`, async () => {
      const ctx = await nodeGpuContext();
      const a = randomArray(n, n);
      const b = randomArray(n, n + 1);
      const out = await ctx.downloadF32(add(ctx, ctx.upload(a, [n]), ctx.upload(b, [n])));
      expectClose(out, addRef(a, b), 1e-6, 1e-6, `add n=${n}`);
    });
  }

  it('folds huge dispatches into two dimensions', async () => {
    const ctx = await nodeGpuContext();
    const n = 256 * 65535 + 5; // more workgroups than one dimension allows
    const a = new Float32Array(n).fill(1);
    const b = Float32Array.from({ length: n }, (_, i) => i % 7);
    const out = await ctx.downloadF32(add(ctx, ctx.upload(a, [n]), ctx.upload(b, [n])));
    expect(out[n - 1]).toBe(1 + ((n - 1) % 7));
    expect(out[123_456]).toBe(1 + (123_456 % 7));
  });

  it('adds in place for the residual stream', async () => {
    const ctx = await nodeGpuContext();
    const a = randomArray(769, 5);
    const b = randomArray(769, 6);
    const acc = ctx.upload(a, [769]);
    addInto(ctx, acc, ctx.upload(b, [769]));
    expectClose(await ctx.downloadF32(acc), addRef(a, b), 1e-6, 1e-6, 'addInto');
    expect(() => add(ctx, acc, acc, acc)).toThrow(/alias/);
  });

  it('rejects mismatched shapes', async () => {
    const ctx = await nodeGpuContext();
    expect(() => add(ctx, ctx.empty([3]), ctx.empty([4]))).toThrow(/differ/);
  });
});
