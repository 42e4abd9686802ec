import { describe, expect, it } from 'vitest';
import { nodeGpuContext } from '../../models/gpu/node-gpu.ts';
import { mendInput, mendResidual } from '../../models/kernels/mend.ts';
import { mendInputRef, mendResidualRef } from '../../models/reference/mend.ts';
import { expectClose } from '../helpers/compare.ts';
import { randomArray } from '../helpers/random.ts';

describe('MEND editor kernels', () => {
  for (const [T, din, dout, rows] of [
    [1, 1, 3, [0]],
    [7, 13, 29, [0, 2, 3, 6]],
    [5, 64, 256, [4, 1]],
    [300, 17, 5, Array.from({ length: 150 }, (_, i) => 2 * i + 1)],
  ] as [number, number, number, number[]][]) {
    it(`input normalisation matches the float64 twin (T=${T}, ${din}+${dout}, ${rows.length} rows)`, async () => {
      const ctx = await nodeGpuContext();
      const u = randomArray(T * din, 1);
      const d = randomArray(T * dout, 2);
      // [μ_u, σ_u, μ_δ, σ_δ] with positive standard deviations
      const stats = randomArray(2 * (din + dout), 3);
      const isStd = (i: number) => (i >= din && i < 2 * din) || i >= 2 * din + dout;
      stats.forEach((v, i) => isStd(i) && (stats[i] = 0.5 + Math.abs(v)));
      const x = mendInput(ctx, ctx.upload(u, [T, din]), ctx.upload(d, [T, dout]), ctx.upload(Uint32Array.from(rows), [rows.length], 'u32'), ctx.upload(stats, [stats.length]), 1e-7);
      expect(x.shape).toEqual([rows.length, din + dout]);
      expectClose(await ctx.downloadF32(x), mendInputRef(u, d, din, dout, rows, stats, 1e-7), 1e-5, 1e-5, 'mendInput');
    });
  }

  for (const [n, D, modes, mode] of [
    [1, 3, 1, 0],
    [9, 67, 3, 2],
    [40, 640, 2, 1],
  ] as [number, number, number, number][]) {
    it(`residual step matches the float64 twin (n=${n}, D=${D}, mode ${mode} of ${modes})`, async () => {
      const ctx = await nodeGpuContext();
      const x0 = randomArray(n * D, 4);
      const pre = randomArray(n * D, 5);
      const scale = randomArray(modes * D, 6);
      const shift = randomArray(modes * D, 7);
      const x = ctx.upload(x0, [n, D]);
      mendResidual(ctx, x, ctx.upload(pre, [n, D]), ctx.upload(scale, [modes, D]), ctx.upload(shift, [modes, D]), mode);
      expectClose(await ctx.downloadF32(x), mendResidualRef(x0, pre, scale, shift, D, mode), 1e-6, 1e-6, 'mendResidual');
    });
  }

  it('rejects a mode the editor does not have', async () => {
    const ctx = await nodeGpuContext();
    const x = ctx.upload(new Float32Array(6), [2, 3]);
    expect(() => mendResidual(ctx, x, ctx.upload(new Float32Array(6), [2, 3]), ctx.upload(new Float32Array(6), [2, 3]), ctx.upload(new Float32Array(6), [2, 3]), 2)).toThrow(/mode 2/);
  });
});
