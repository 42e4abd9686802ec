// Weight gradients of a linear layer (FT-L∞'s c_proj): the GPU kernels against
// their float64 twin, and the twin against finite differences of the float64
// forward (so a wrong formula fails too), on awkward sizes.
import { describe, expect, it } from 'vitest';
import { nodeGpuContext } from '../../models/gpu/node-gpu.ts';
import { columnSum, linearWeightGrads } from '../../models/kernels/matmul.ts';
import { linearWeightGradsRef, matmulRef } from '../../models/reference/matmul.ts';
import { relL2 } from '../helpers/compare.ts';
import { randomArray } from '../helpers/random.ts';

describe('linearWeightGrads: dW = xᵀ·dy, db = Σ dy', () => {
  for (const [M, K, N] of [
    [1, 1, 1],
    [3, 5, 7],
    [37, 67, 65],
    [130, 256, 64],
  ] as const) {
    it(`matches its twin and finite differences (rows=${M}, in=${K}, out=${N})`, async () => {
      const x = randomArray(M * K, M * K + 1, 2);
      const W = randomArray(K * N, K * N + 2);
      const b = randomArray(N, N + 3);
      const dy = randomArray(M * N, M * N + 4);
      const want = linearWeightGradsRef(x, dy, M, K, N);
      // L(W, b) = Σ dy ⊙ (x·W + b): its gradient is the weight gradient.
      const L = (w: ArrayLike<number>, bb: ArrayLike<number>) => matmulRef(x, w, { M, N, K, bias: bb }).reduce((s, y, i) => s + y * dy[i]!, 0);
      const e = 1e-6;
      const W64 = Float64Array.from(W);
      const b64 = Float64Array.from(b);
      for (const i of [0, Math.floor((K * N) / 2), K * N - 1]) {
        const p = W64.slice();
        const q = W64.slice();
        p[i]! += e;
        q[i]! -= e;
        const fd = (L(p, b64) - L(q, b64)) / (2 * e);
        expect(Math.abs(fd - want.dW[i]!)).toBeLessThan(1e-6 + 1e-6 * Math.abs(fd));
      }
      for (const i of [0, N - 1]) {
        const p = b64.slice();
        const q = b64.slice();
        p[i]! += e;
        q[i]! -= e;
        const fd = (L(W64, p) - L(W64, q)) / (2 * e);
        expect(Math.abs(fd - want.db[i]!)).toBeLessThan(1e-6 + 1e-6 * Math.abs(fd));
      }
      const ctx = await nodeGpuContext();
      const g = linearWeightGrads(ctx, ctx.upload(x, [M, K]), ctx.upload(dy, [M, N]));
      expect(g.dW.shape).toEqual([K, N]);
      expect(relL2(await ctx.downloadF32(g.dW), want.dW)).toBeLessThan(1e-6);
      expect(relL2(await ctx.downloadF32(g.db), want.db)).toBeLessThan(1e-6);
      ctx.release(g.dW, g.db);
    });
  }

  it('columnSum over a rank-3 tensor sums every leading row; mismatched shapes are refused', async () => {
    const ctx = await nodeGpuContext();
    const x = randomArray(2 * 3 * 5, 9);
    const got = await ctx.downloadF32(columnSum(ctx, ctx.upload(x, [2, 3, 5])));
    const want = Array.from({ length: 5 }, (_, c) => Array.from({ length: 6 }, (_, r) => x[r * 5 + c]!).reduce((a, v) => a + v, 0));
    expect(relL2(got, want)).toBeLessThan(1e-6);
    expect(() => linearWeightGrads(ctx, ctx.upload(x, [6, 5]), ctx.upload(x.slice(0, 20), [4, 5]))).toThrow(/rows/);
  });
});
