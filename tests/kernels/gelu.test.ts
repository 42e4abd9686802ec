import { describe, expect, it } from 'vitest';
import { nodeGpuContext } from '../../models/gpu/node-gpu.ts';
import { gelu } from '../../models/kernels/gelu.ts';
import { geluRef } from '../../models/reference/gelu.ts';
import { checked } from '../helpers/gpu-data.ts';
import { expectClose } from '../helpers/compare.ts';
import { randomArray } from '../helpers/random.ts';

// Tolerance: gelu = x·sigmoid(2u) is well conditioned (relative error of
// the output ≈ that of exp, a few ulp even for |u| ~ 40), so 1e-5 relative
// plus 1e-7 absolute (for outputs that underflow to ~0) is ample and still
// catches a wrong constant (0.044715, sqrt(2/π)) at |x| ~ 1.
const ATOL = 1e-7;
const RTOL = 1e-5;

describe('gelu kernel', () => {
  for (const n of [1, 3, 17, 769, 70_001]) {
    it(`matches GPT-2's tanh gelu at n=${n}`, async () => {
      const ctx = await nodeGpuContext();
      const x = randomArray(n, n, 5);
      const out = await checked(ctx, () => gelu(ctx, ctx.upload(x, [n])));
      expectClose(await ctx.downloadF32(out), geluRef(x), ATOL, RTOL, `gelu n=${n}`);
    });
  }

  it('is finite and exact in the tails (no tanh overflow NaN)', async () => {
    const ctx = await nodeGpuContext();
    const tails = [0, -0, 1e-8, -1e-8, 1, -1, 3, -3, 9.5, -9.5, 10, -10, 20, -20, 100, -100, 1e4, -1e4, 1e20, -1e20, 3e38, -3e38];
    const x = Float32Array.from(tails);
    const got = await ctx.downloadF32(await checked(ctx, () => gelu(ctx, ctx.upload(x, [x.length]))));
    for (const v of got) expect(Number.isFinite(v)).toBe(true);
    expectClose(got, geluRef(x), ATOL, RTOL, 'gelu tails');
  });

  it('folds huge dispatches into two dimensions', async () => {
    const ctx = await nodeGpuContext();
    const n = 256 * 65_535 + 5; // more workgroups than one dimension allows
    const x = Float32Array.from({ length: n }, (_, i) => (i % 13) - 6);
    const got = await ctx.downloadF32(await checked(ctx, () => gelu(ctx, ctx.upload(x, [n]))));
    const idx = [0, 1, 123_456, 256 * 65_535 - 1, 256 * 65_535, n - 1];
    expectClose(idx.map((i) => got[i]!), geluRef(idx.map((i) => x[i]!)), ATOL, RTOL, 'gelu beyond 65535 workgroups');
  });

  it('rejects a mismatched or aliasing output', async () => {
    const ctx = await nodeGpuContext();
    const x = ctx.empty([4]);
    expect(() => gelu(ctx, x, ctx.empty([5]))).toThrow(/does not match/);
    expect(() => gelu(ctx, x, x)).toThrow(/alias/);
  });
});
