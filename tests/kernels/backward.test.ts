// Backward kernels: GPU against float64 twins, and the twins against finite
// differences of the float64 forward references (so a wrong formula fails too).
import { describe, expect, it } from 'vitest';
import { nodeGpuContext } from '../../models/gpu/node-gpu.ts';
import { toHalves, fromHalves } from '../../models/gpu/half.ts';
import { attentionBackward, attentionWithProbs } from '../../models/kernels/attention.ts';
import { geluBackward } from '../../models/kernels/gelu.ts';
import { layerNormBackward, layerNormWithStats } from '../../models/kernels/layernorm.ts';
import { attentionBackwardRef, attentionRef } from '../../models/reference/attention.ts';
import { geluBackwardRef, geluRef } from '../../models/reference/gelu.ts';
import { layerNormBackwardRef, layerNormRef } from '../../models/reference/layernorm.ts';
import { relL2 } from '../helpers/compare.ts';
import { randomArray } from '../helpers/random.ts';

/** Central differences of L(x) = Σ w·f(x) at a few coordinates, against the analytic gradient. */
function checkFiniteDifferences(f: (x: Float64Array) => Float64Array, x: Float64Array, w: Float64Array, grad: Float64Array, coords: number[]) {
  const L = (v: Float64Array) => f(v).reduce((s, y, i) => s + y * w[i]!, 0);
  for (const i of coords) {
    const e = 1e-6;
    const xp = x.slice();
    xp[i]! += e;
    const xm = x.slice();
    xm[i]! -= e;
    const fd = (L(xp) - L(xm)) / (2 * e);
    expect(Math.abs(fd - grad[i]!)).toBeLessThan(1e-6 + 1e-5 * Math.abs(grad[i]!));
  }
}

describe('layerNormBackward', () => {
  for (const [rows, d] of [[1, 1], [3, 17], [5, 65], [2, 769]] as const) {
    it(`matches its twin and finite differences (rows=${rows}, d=${d})`, async () => {
      const ctx = await nodeGpuContext();
      const x = randomArray(rows * d, rows * d, 2);
      const g = randomArray(d, d + 1);
      const b = randomArray(d, d + 2);
      const dy = randomArray(rows * d, d + 3);
      const want = layerNormBackwardRef(dy, x, g, d);
      if (d > 1) checkFiniteDifferences((v) => layerNormRef(v, g, b, d).out, Float64Array.from(x), Float64Array.from(dy), want, [0, d - 1, rows * d - 1]);
      for (const dtype of ['f32', 'f16'] as const) {
        const gq = dtype === 'f16' ? fromHalves(toHalves(g)) : g;
        const gt = dtype === 'f16' ? ctx.upload(toHalves(g), [d], 'f16') : ctx.upload(g, [d]);
        const xt = ctx.upload(x, [rows, d]);
        const fwd = layerNormWithStats(ctx, xt, gt, ctx.upload(b, [d]));
        const got = await ctx.downloadF32(layerNormBackward(ctx, ctx.upload(dy, [rows, d]), xt, gt, fwd.mean, fwd.rstd));
        // d = 1: x̂ = 0 and dx = 0 exactly; compare absolutely there.
        const wantQ = layerNormBackwardRef(dy, x, gq, d);
        if (d === 1) expect(Math.max(...got.map(Math.abs))).toBeLessThan(1e-3);
        else expect(relL2(got, wantQ), dtype).toBeLessThan(1e-5);
      }
    });
  }
});

describe('geluBackward', () => {
  it('matches its twin and finite differences, including large |x|', async () => {
    const ctx = await nodeGpuContext();
    const n = 1031;
    const x = randomArray(n, 7, 6);
    x[0] = 40;
    x[1] = -40;
    const dy = randomArray(n, 8);
    const want = geluBackwardRef(dy, x);
    checkFiniteDifferences((v) => geluRef(v), Float64Array.from(x), Float64Array.from(dy), want, [2, 500, n - 1]);
    const got = await ctx.downloadF32(geluBackward(ctx, ctx.upload(dy, [n]), ctx.upload(x, [n])));
    expect(got.every(Number.isFinite)).toBe(true);
    expect(relL2(got, want)).toBeLessThan(1e-5);
  });
});

describe('attentionBackward', () => {
  for (const [B, T, d, H, lengths] of [
    [1, 1, 4, 1, [1]],
    [2, 5, 12, 3, [5, 3]],
    [1, 17, 64, 2, [17]],
  ] as const) {
    it(`matches its twin and finite differences (B=${B}, T=${T}, d=${d}, H=${H})`, async () => {
      const ctx = await nodeGpuContext();
      const qkv = randomArray(B * T * 3 * d, T * d, 1);
      const dOut = randomArray(B * T * d, T * d + 1);
      const lens = [...lengths];
      const ref = attentionRef(qkv, B, T, d, H, lens);
      const want = attentionBackwardRef(dOut, qkv, ref.probs, B, T, d, H, lens);
      checkFiniteDifferences((v) => attentionRef(v, B, T, d, H, lens).out, Float64Array.from(qkv), Float64Array.from(dOut), want, [0, d + 1, 2 * d + 2, (T - 1) * 3 * d + d + 3]);
      const qt = ctx.upload(qkv, [B * T, 3 * d]);
      const fwd = attentionWithProbs(ctx, qt, H, { batch: B, lengths: lens });
      const got = await ctx.downloadF32(attentionBackward(ctx, ctx.upload(dOut, [B * T, d]), qt, fwd.probs, H, { batch: B, lengths: lens }));
      expect(relL2(got, want)).toBeLessThan(1e-5);
      // Padded rows get no gradient.
      if (lens[1] !== undefined && lens[1] < T) expect(got.slice((T + lens[1]) * 3 * d, 2 * T * 3 * d).every((v) => v === 0)).toBe(true);
    });
  }
});
