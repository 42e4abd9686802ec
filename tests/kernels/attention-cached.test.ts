import { describe, expect, it } from 'vitest';
import { nodeGpuContext } from '../../models/gpu/node-gpu.ts';
import { addPositionsAt, attentionCached, kvWrite, NO_POS } from '../../models/kernels/attention-cached.ts';
import { attentionRef } from '../../models/reference/attention.ts';
import { checked, uploadAs } from '../helpers/gpu-data.ts';
import { expectClose, firstMismatch } from '../helpers/compare.ts';
import { randomArray } from '../helpers/random.ts';

// The float64 twin of cached attention is causal attention over the whole
// sequence (reference/attention.ts): feeding a sequence to the cache in
// chunks (a prefill, then one token at a time) must give, for every
// position, the row the uncached attention gives. Tolerances as
// attention.test.ts: the same f32 dot products, exp and convex combination.
const ATOL = 1e-5;
const RTOL = 1e-4;

interface Case {
  /** Full length of each sequence. */
  lengths: number[];
  d: number;
  H: number;
  /** Cache positions (≥ every length). */
  tmax: number;
  /** Tokens per sequence per call, cycled: e.g. [5, 1] = a prefill of 5, then one at a time. */
  chunks: number[][];
  scale?: number;
}

async function runCase(c: Case, seed: number): Promise<void> {
  const ctx = await nodeGpuContext();
  const { lengths, d, H, tmax } = c;
  const B = lengths.length;
  const T = Math.max(...lengths);
  // The whole sequences, [B, T, 3d], right-padded with NaN (never read).
  const full = randomArray(B * T * 3 * d, seed);
  for (let i = 0; i < full.length; i++) if (i % (3 * d) < 2 * d) full[i]! *= c.scale ?? 1;
  lengths.forEach((len, b) => full.fill(NaN, (b * T + len) * 3 * d, (b + 1) * T * 3 * d));
  const want = attentionRef(full, B, T, d, H, lengths).out;
  const got = new Float64Array(B * T * d).fill(NaN);
  lengths.forEach((len, b) => got.fill(0, (b * T + len) * d, (b + 1) * T * d));

  const cache = ctx.empty([B, tmax, 2 * d], 'f32', 'test.cache');
  const done = new Array<number>(B).fill(0);
  for (let call = 0; done.some((k, b) => k < lengths[b]!); call++) {
    const take = lengths.map((len, b) => Math.min(len - done[b]!, c.chunks[b]![Math.min(call, c.chunks[b]!.length - 1)]!));
    const n = Math.max(1, ...take);
    // New rows right-padded to n per sequence; padding carries NaN and NO_POS.
    const qkv = new Float32Array(B * n * 3 * d).fill(NaN);
    const pos = new Uint32Array(B * n).fill(NO_POS);
    // Rows name their sequence; padding rows (NO_POS) name one too, which must not matter.
    const seq = Uint32Array.from({ length: B * n }, (_, r) => Math.floor(r / n));
    take.forEach((k, b) => {
      for (let t = 0; t < k; t++) {
        const s = done[b]! + t;
        qkv.set(full.subarray((b * T + s) * 3 * d, (b * T + s + 1) * 3 * d), (b * n + t) * 3 * d);
        pos[b * n + t] = s;
      }
    });
    const out = await checked(ctx, () => {
      const q = ctx.upload(qkv, [B * n, 3 * d]);
      const rows = { pos: ctx.upload(pos, [B * n], 'u32'), seq: ctx.upload(seq, [B * n], 'u32') };
      kvWrite(ctx, q, rows, cache);
      return attentionCached(ctx, q, rows, cache, H);
    });
    expect(out.shape).toEqual([B * n, d]);
    const rows = await ctx.downloadF32(out);
    take.forEach((k, b) => {
      for (let t = 0; t < n; t++) {
        const row = rows.subarray((b * n + t) * d, (b * n + t + 1) * d);
        if (t < k) got.set(row, (b * T + done[b]! + t) * d);
        else expect(Array.from(row).every((x) => x === 0), `padded row ${b}:${t} is zeros`).toBe(true);
      }
      done[b]! += k;
    });
  }
  expectClose(got, want, ATOL, RTOL, `cached attention lengths=${lengths} d=${d} H=${H}`);
}

describe('cached attention kernels', () => {
  const cases: (Case & { what: string })[] = [
    { what: 'one token at a time, hd = 5', lengths: [7], d: 15, H: 3, tmax: 7, chunks: [[1]] },
    { what: 'a prefill then single tokens, ragged batch', lengths: [9, 3, 12], d: 24, H: 2, tmax: 13, chunks: [[5, 1], [3, 1], [1]], scale: 3 },
    { what: 'more keys than invocations (70 > 64), hd = 64', lengths: [70, 66], d: 128, H: 2, tmax: 71, chunks: [[65, 1], [2, 1, 3]], scale: 2 },
    { what: 'GPT-2 XL heads (hd = 64, 25 heads)', lengths: [4, 6], d: 1600, H: 25, tmax: 8, chunks: [[3, 1], [1, 4]] },
    { what: 'hd = 128, one head', lengths: [5], d: 128, H: 1, tmax: 5, chunks: [[2, 2, 1]] },
    { what: 'a sequence that gets nothing in some calls', lengths: [2, 8, 1], d: 8, H: 2, tmax: 9, chunks: [[1, 0, 0, 1], [4, 1], [0, 0, 1]] },
  ];
  let seed = 3;
  for (const c of cases) it(`matches the float64 causal attention: ${c.what}`, () => runCase(c, (seed += 17)));

  it('has teeth: a cache written one position off differs from the twin', async () => {
    const ctx = await nodeGpuContext();
    const [T, d, H] = [6, 8, 2];
    const full = randomArray(T * 3 * d, 91);
    const want = attentionRef(full, 1, T, d, H).out;
    const cache = ctx.empty([1, T + 1, 2 * d], 'f32');
    const q = ctx.upload(full, [T, 3 * d]);
    const seq = ctx.upload(new Uint32Array(T), [T], 'u32');
    // Positions shifted by one: every query then sees a zero key/value at 0.
    const shifted = { pos: ctx.upload(Uint32Array.from({ length: T }, (_, t) => t + 1), [T], 'u32'), seq };
    kvWrite(ctx, q, shifted, cache);
    const off = attentionCached(ctx, q, shifted, cache, H);
    expect(firstMismatch(await ctx.downloadF32(off), want, ATOL, RTOL)).not.toBeNull();
    const right = ctx.empty([1, T, 2 * d], 'f32');
    const rows = { pos: ctx.upload(Uint32Array.from({ length: T }, (_, t) => t), [T], 'u32'), seq };
    kvWrite(ctx, q, rows, right);
    expect(firstMismatch(await ctx.downloadF32(attentionCached(ctx, q, rows, right, H)), want, ATOL, RTOL)).toBeNull();
  });

  it('packs sequences in any row order: rows reversed and interleaved give the same rows', async () => {
    const ctx = await nodeGpuContext();
    const [lengths, d, H] = [[5, 2, 7], 12, 3];
    const T = 7;
    const full = randomArray(3 * T * 3 * d, 123);
    const want = attentionRef(full, 3, T, d, H, lengths).out;
    // Every real token once, last sequence first and positions descending: one pass, no padding.
    const order: Array<[number, number]> = [];
    lengths.forEach((len, b) => {
      for (let t = 0; t < len; t++) order.push([b, t]);
    });
    order.reverse();
    const qkv = new Float32Array(order.length * 3 * d);
    order.forEach(([b, t], r) => qkv.set(full.subarray((b * T + t) * 3 * d, (b * T + t + 1) * 3 * d), r * 3 * d));
    const rows = { pos: ctx.upload(Uint32Array.from(order, ([, t]) => t), [order.length], 'u32'), seq: ctx.upload(Uint32Array.from(order, ([b]) => b), [order.length], 'u32') };
    const cache = ctx.empty([3, T, 2 * d], 'f32');
    const q = ctx.upload(qkv, [order.length, 3 * d]);
    const out = await checked(ctx, () => {
      kvWrite(ctx, q, rows, cache);
      return attentionCached(ctx, q, rows, cache, H);
    });
    const got = await ctx.downloadF32(out);
    const gotFull = new Float64Array(3 * T * d);
    order.forEach(([b, t], r) => gotFull.set(got.subarray(r * d, (r + 1) * d), (b * T + t) * d));
    expectClose(gotFull, want, ATOL, RTOL, 'packed rows');
  });

  for (const dtype of ['f32', 'f16'] as const) {
    it(`adds the position rows named by pos (${dtype}), leaving padded rows alone`, async () => {
      const ctx = await nodeGpuContext();
      const [positions, d] = [11, 13];
      const wpe = uploadAs(ctx, randomArray(positions * d, 5), [positions, d], dtype);
      const x0 = randomArray(5 * d, 6);
      const pos = Uint32Array.from([10, 0, NO_POS, 3, 10]);
      const x = ctx.upload(x0, [5, d]);
      await checked(ctx, () => addPositionsAt(ctx, x, wpe.tensor, ctx.upload(pos, [5], 'u32')));
      const want = new Float64Array(x0);
      pos.forEach((s, r) => {
        if (s !== NO_POS) for (let j = 0; j < d; j++) want[r * d + j]! += wpe.values[s * d + j]!;
      });
      expectClose(await ctx.downloadF32(x), want, 1e-6, 1e-6, 'addPositionsAt');
    });
  }

  it('rejects shapes that disagree', async () => {
    const ctx = await nodeGpuContext();
    const rows = { pos: ctx.upload(Uint32Array.from([0, 1, 2]), [3], 'u32'), seq: ctx.upload(new Uint32Array(3), [3], 'u32') };
    expect(() => kvWrite(ctx, ctx.empty([3, 24]), rows, ctx.empty([1, 4, 8]))).toThrow(/disagree/);
    expect(() => kvWrite(ctx, ctx.empty([3, 24]), { ...rows, seq: ctx.upload(new Uint32Array(2), [2], 'u32') }, ctx.empty([1, 4, 16]))).toThrow(/disagree/);
    expect(() => attentionCached(ctx, ctx.empty([3, 24]), rows, ctx.empty([1, 4, 16]), 3)).toThrow(/does not split into 3 heads/);
  });
});
