import { describe, expect, it } from 'vitest';
import { nodeGpuContext } from '../../models/gpu/node-gpu.ts';
import { attention, attentionWithProbs } from '../../models/kernels/attention.ts';
import { attentionRef } from '../../models/reference/attention.ts';
import { checked } from '../helpers/gpu-data.ts';
import { expectClose, firstMismatch } from '../helpers/compare.ts';
import { randomArray } from '../helpers/random.ts';

// Tolerance: q·k sums hd ≤ 128 products in f32 (~1e-7 relative), exp and the
// row sum add a few ulp, and the context is a convex combination of values
// in [-1, 1]: errors stay below ~1e-6, so atol 1e-5 / rtol 1e-4 has headroom
// while a wrong mask, scale or head offset moves outputs by ~1e-2 or more.
const ATOL = 1e-5;
const RTOL = 1e-4;

interface Case {
  B: number;
  T: number;
  d: number;
  H: number;
  lengths?: number[];
  probs?: boolean;
  /** qkv as [B, T, 3d] instead of [B·T, 3d]. */
  rank3?: boolean;
  /** q and k scale: larger makes the softmax peakier. */
  scale?: number;
}

async function runCase(c: Case, seed: number): Promise<void> {
  const ctx = await nodeGpuContext();
  const { B, T, d, H } = c;
  const qkv = randomArray(B * T * 3 * d, seed);
  for (let i = 0; i < qkv.length; i++) if (i % (3 * d) < 2 * d) qkv[i]! *= c.scale ?? 1;
  // Padded rows hold NaN: they must not reach any output.
  if (c.lengths) {
    c.lengths.forEach((len, b) => qkv.fill(NaN, (b * T + len) * 3 * d, (b + 1) * T * 3 * d));
  }
  const shape = c.rank3 ? [B, T, 3 * d] : [B * T, 3 * d];
  const opts = { batch: B, ...(c.lengths ? { lengths: c.lengths } : {}) };
  const want = attentionRef(qkv, B, T, d, H, c.lengths);
  const what = `attention B=${B} T=${T} d=${d} H=${H}`;
  if (c.probs) {
    const r = await checked(ctx, () => attentionWithProbs(ctx, ctx.upload(qkv, shape), H, opts));
    expect(r.probs.shape).toEqual([B, H, T, T]);
    expectClose(await ctx.downloadF32(r.out), want.out, ATOL, RTOL, what);
    expectClose(await ctx.downloadF32(r.probs), want.probs, 1e-6, RTOL, `${what} probs`);
  } else {
    const out = await checked(ctx, () => attention(ctx, ctx.upload(qkv, shape), H, opts));
    expect(out.shape).toEqual(c.rank3 ? [B, T, d] : [B * T, d]);
    expectClose(await ctx.downloadF32(out), want.out, ATOL, RTOL, what);
  }
}

describe('attention kernel', () => {
  const cases: Case[] = [
    { B: 1, T: 1, d: 8, H: 2 }, // one token attends to itself only
    { B: 1, T: 3, d: 15, H: 3 }, // hd = 5: not a multiple of 4
    { B: 1, T: 17, d: 12, H: 3, probs: true, scale: 3 },
    { B: 1, T: 70, d: 128, H: 2, scale: 2 }, // more keys than invocations
    { B: 1, T: 20, d: 1600, H: 25 }, // GPT-2 XL heads (hd = 64)
    { B: 1, T: 9, d: 128, H: 1, probs: true }, // hd = 128 (smaller tiles)
    { B: 4, T: 17, d: 24, H: 2, lengths: [17, 3, 0, 16], probs: true }, // right padding
    { B: 2, T: 65, d: 32, H: 4, lengths: [65, 64], rank3: true },
    { B: 1, T: 1024, d: 8, H: 2 }, // GPT-2's full context
  ];
  let seed = 1;
  for (const c of cases) {
    it(`matches the float64 twin: B=${c.B} T=${c.T} d=${c.d} H=${c.H}${c.lengths ? ` lengths=${c.lengths}` : ''}${c.probs ? ' +probs' : ''}`, () =>
      runCase(c, (seed += 13)));
  }

  it('differs measurably from a non-causal or single-head attention (the comparison has teeth)', async () => {
    const ctx = await nodeGpuContext();
    const [T, d, H] = [9, 12, 3];
    const qkv = randomArray(T * 3 * d, 77);
    const got = await ctx.downloadF32(attention(ctx, ctx.upload(qkv, [T, 3 * d]), H));
    expect(firstMismatch(got, attentionRef(qkv, 1, T, d, H).out, ATOL, RTOL)).toBeNull();
    expect(firstMismatch(got, attentionRef(qkv, 1, T, d, 1).out, ATOL, RTOL)).not.toBeNull();
    // Keys shifted by one row: what an off-by-one causal mask would see.
    const shifted = qkv.slice();
    for (let t = 0; t + 1 < T; t++) shifted.set(qkv.subarray((t + 1) * 3 * d + d, (t + 1) * 3 * d + 2 * d), t * 3 * d + d);
    expect(firstMismatch(got, attentionRef(shifted, 1, T, d, H).out, ATOL, RTOL)).not.toBeNull();
  });

  it('takes the lengths as a u32 tensor on the GPU', async () => {
    const ctx = await nodeGpuContext();
    const [B, T, d, H] = [2, 5, 8, 2];
    const qkv = randomArray(B * T * 3 * d, 5);
    const lengths = [2, 5];
    const lens = ctx.upload(Uint32Array.from(lengths), [B], 'u32');
    const out = await checked(ctx, () => attention(ctx, ctx.upload(qkv, [B, T, 3 * d]), H, { lengths: lens }));
    expectClose(await ctx.downloadF32(out), attentionRef(qkv, B, T, d, H, lengths).out, ATOL, RTOL);
  });

  it('rejects bad shapes', async () => {
    const ctx = await nodeGpuContext();
    expect(() => attention(ctx, ctx.empty([4, 20]), 2)).toThrow(/not 3·d/);
    expect(() => attention(ctx, ctx.empty([4, 24]), 3)).toThrow(/not a multiple of the head count/);
    expect(() => attention(ctx, ctx.empty([6, 24]), 2, { batch: 4 })).toThrow(/do not split into 4/);
    expect(() => attention(ctx, ctx.empty([6, 24]), 2, { batch: 2, lengths: [3] })).toThrow(/1 lengths for 2/);
    expect(() => attention(ctx, ctx.empty([6, 24]), 2, { batch: 2, lengths: [3, 4] })).toThrow(/length 4 outside 0\.\.3/);
    expect(() => attention(ctx, ctx.empty([6, 3 * 258]), 1)).toThrow(/head dim 258 exceeds the supported 128/);
  });
});
