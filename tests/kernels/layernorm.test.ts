import { describe, expect, it } from 'vitest';
import { nodeGpuContext } from '../../models/gpu/node-gpu.ts';
import { layerNorm, layerNormWithStats } from '../../models/kernels/layernorm.ts';
import { layerNormRef } from '../../models/reference/layernorm.ts';
import { checked, uploadAs } from '../helpers/gpu-data.ts';
import { expectClose } from '../helpers/compare.ts';
import { randomArray } from '../helpers/random.ts';

// Tolerance: outputs are O(|g|·3 + |b|) with f32 sums over d ≤ 3000 terms;
// the mean and variance carry ~1e-7 relative error, so 1e-5 abs/rel is ~50×
// headroom. The small-variance case is where eps matters: var ≈ 3e-6 there,
// so eps 1e-5 vs 1e-6 (or 0) changes rstd by ~2×, far beyond tolerance.
const ATOL = 1e-5;
const RTOL = 1e-5;

interface Case {
  rows: number;
  d: number;
  /** Scale and offset of x: x = offset + scale·uniform(-1, 1). */
  scale?: number;
  offset?: number;
  params?: 'f32' | 'f16';
  eps?: number;
  stats?: boolean;
  shape?: number[];
}

async function runCase(c: Case, seed: number): Promise<void> {
  const ctx = await nodeGpuContext();
  const { rows, d } = c;
  const xv = randomArray(rows * d, seed, c.scale ?? 1).map((v) => v + (c.offset ?? 0));
  const x = uploadAs(ctx, xv, c.shape ?? [rows, d], 'f32');
  const g = uploadAs(ctx, randomArray(d, seed + 1).map((v) => 1 + 0.5 * v), [d], c.params ?? 'f32');
  const b = uploadAs(ctx, randomArray(d, seed + 2, 0.5), [d], c.params ?? 'f32');
  const opts = c.eps === undefined ? {} : { eps: c.eps };
  const want = layerNormRef(x.values, g.values, b.values, d, c.eps ?? 1e-5);
  const what = `layerNorm rows=${rows} d=${d} ${c.params ?? 'f32'} eps=${c.eps ?? 'default'}`;
  if (c.stats) {
    const r = await checked(ctx, () => layerNormWithStats(ctx, x.tensor, g.tensor, b.tensor, opts));
    expect(r.mean.shape).toEqual([rows]);
    expectClose(await ctx.downloadF32(r.out), want.out, ATOL, RTOL, what);
    expectClose(await ctx.downloadF32(r.mean), want.mean, 1e-6, 1e-5, `${what} mean`);
    expectClose(await ctx.downloadF32(r.rstd), want.rstd, 0, 1e-5, `${what} rstd`);
  } else {
    const out = await checked(ctx, () => layerNorm(ctx, x.tensor, g.tensor, b.tensor, opts));
    expect(out.shape).toEqual(c.shape ?? [rows, d]);
    expectClose(await ctx.downloadF32(out), want.out, ATOL, RTOL, what);
  }
}

describe('layerNorm kernel', () => {
  const cases: Case[] = [
    { rows: 1, d: 1 }, // zero variance: out = b
    { rows: 3, d: 17 },
    { rows: 5, d: 768, offset: 2 }, // GPT-2 small width, rows off-centre
    { rows: 2, d: 769 },
    { rows: 4, d: 1600, params: 'f16' }, // GPT-2 XL width with half params
    { rows: 1, d: 3001, scale: 3 },
    { rows: 65, d: 65, params: 'f16' },
    { rows: 6, d: 255, scale: 0.003 }, // small variance: eps dominates
    { rows: 6, d: 255, scale: 0.003, eps: 1e-3 },
    { rows: 7, d: 300, eps: 0.1 },
    { rows: 6, d: 17, shape: [2, 3, 17] },
    { rows: 9, d: 257, stats: true, offset: -1 },
    { rows: 3, d: 40, stats: true, scale: 0.003, params: 'f16' },
  ];
  let seed = 1;
  for (const c of cases) {
    it(`matches the float64 twin: rows=${c.rows} d=${c.d}${c.params === 'f16' ? ' f16 g,b' : ''}${c.eps ? ` eps=${c.eps}` : ''}${c.stats ? ' +stats' : ''}${c.scale ? ` scale=${c.scale}` : ''}`, () =>
      runCase(c, (seed += 10)));
  }

  it('rejects mismatched shapes', async () => {
    const ctx = await nodeGpuContext();
    const x = ctx.empty([3, 8]);
    expect(() => layerNorm(ctx, x, ctx.empty([7]), ctx.empty([8]))).toThrow(/g and b must have 8 elements/);
    expect(() => layerNorm(ctx, x, ctx.empty([8], 'u32'), ctx.empty([8]))).toThrow(/g must be f32 or f16/);
    expect(() => layerNorm(ctx, x, ctx.empty([8]), ctx.empty([8]), { eps: -1 })).toThrow(/eps/);
    expect(() => layerNorm(ctx, x, ctx.empty([8]), ctx.empty([8]), { out: x })).toThrow(/alias/);
  });
});
