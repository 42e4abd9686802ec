import { describe, expect, it } from 'vitest';
import { nodeGpuContext } from '../../models/gpu/node-gpu.ts';
import { addToRows, scatterAddRows } from '../../models/kernels/rows.ts';
import { expectClose } from '../helpers/compare.ts';
import { randomArray } from '../helpers/random.ts';

describe('addToRows', () => {
  for (const [R, d] of [[1, 1], [7, 3], [40, 65], [5, 769]] as const) {
    it(`adds v to the listed rows only (R=${R}, d=${d})`, async () => {
      const ctx = await nodeGpuContext();
      const x = randomArray(R * d, R + d);
      const v = randomArray(d, d);
      const rows = [...new Set([0, R - 1, Math.floor(R / 2)])];
      const want = Float64Array.from(x);
      for (const r of rows) for (let j = 0; j < d; j++) want[r * d + j]! += v[j]!;
      const t = ctx.upload(x, [R, d]);
      addToRows(ctx, t, ctx.upload(new Uint32Array([...rows, R + 5]), [rows.length + 1], 'u32'), ctx.upload(v, [d]));
      expectClose(await ctx.downloadF32(t), want, 1e-6, 1e-6, 'addToRows');
    });
  }
  it('scatterAddRows adds each source row to its destination row', async () => {
    const ctx = await nodeGpuContext();
    const R = 9;
    const d = 70;
    const x = randomArray(R * d, 3);
    const src = randomArray(3 * d, 4);
    const rows = [8, 0, 4];
    const want = Float64Array.from(x);
    rows.forEach((r, i) => {
      for (let j = 0; j < d; j++) want[r * d + j]! += src[i * d + j]!;
    });
    const t = ctx.upload(x, [R, d]);
    scatterAddRows(ctx, t, ctx.upload(new Uint32Array(rows), [3], 'u32'), ctx.upload(src, [3, d]));
    expectClose(await ctx.downloadF32(t), want, 1e-6, 1e-6, 'scatterAddRows');
  });

  it('checks its inputs', async () => {
    const ctx = await nodeGpuContext();
    expect(() => addToRows(ctx, ctx.empty([2, 3]), ctx.empty([1], 'u32'), ctx.empty([4]))).toThrow(/width 3/);
  });
});
