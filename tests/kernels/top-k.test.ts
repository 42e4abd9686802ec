import { describe, expect, it } from 'vitest';
import { nodeGpuContext } from '../../models/gpu/node-gpu.ts';
import { mergeTopK, TOP_K_SEGMENT, topKCandidates, topKSegments } from '../../models/kernels/top-k.ts';
import { checked } from '../helpers/gpu-data.ts';
import { rng } from '../helpers/random.ts';

// The twin: sort each row by (value desc, id asc) on the CPU and take k. A
// top-k is a selection, so the ids and values must match exactly.
function topKRef(rows: Float32Array[], offsets: number[], k: number): Array<Array<{ id: number; z: number }>> {
  const n = rows.length / offsets.length;
  return Array.from({ length: n }, (_, r) => {
    const all: Array<{ id: number; z: number }> = [];
    offsets.forEach((off, c) => rows[c * n + r]!.forEach((z, j) => all.push({ id: off + j, z })));
    return all.sort((a, b) => b.z - a.z || a.id - b.id).slice(0, k);
  });
}

describe('top-k kernel', () => {
  // [rows, chunk widths (vocabulary chunks sharing one output), k, value levels (few levels: many ties)]
  const cases: Array<[number, number[], number, number]> = [
    [1, [7], 3, 0], // fewer columns than one invocation's stride
    [3, [TOP_K_SEGMENT + 5], 5, 0], // a second, nearly empty segment
    [4, [2 * TOP_K_SEGMENT + 100, 1500], 5, 4], // two chunks, heavy ties: the smaller id wins
    [2, [50257], 16, 0], // GPT-2's vocabulary, the largest k
    [5, [3], 5, 0], // k larger than the row: the rest are skipped
  ];
  for (const [n, widths, k, levels] of cases) {
    it(`matches a sort: ${n} rows, chunks ${widths}, k=${k}${levels ? `, ${levels} distinct values` : ''}`, async () => {
      const ctx = await nodeGpuContext();
      const r = rng(n * 31 + k);
      const offsets = widths.map((_, c) => widths.slice(0, c).reduce((a, b) => a + b, 0));
      const rows: Float32Array[] = [];
      for (const w of widths) for (let i = 0; i < n; i++) rows.push(Float32Array.from({ length: w }, () => (levels ? Math.floor(r() * levels) : (r() * 2 - 1) * 20)));
      const segTotal = widths.reduce((a, w) => a + topKSegments(w), 0);
      const out = ctx.empty([n, segTotal, k, 2], 'f32');
      await checked(ctx, () => {
        let seg = 0;
        widths.forEach((w, c) => {
          const z = new Float32Array(n * w);
          for (let i = 0; i < n; i++) z.set(rows[c * n + i]!, i * w);
          topKCandidates(ctx, ctx.upload(z, [n, w]), k, out, { colOffset: offsets[c]!, segOffset: seg });
          seg += topKSegments(w);
        });
      });
      const got = mergeTopK(await ctx.downloadF32(out), n, k);
      const want = topKRef(rows, offsets, k);
      expect(got).toEqual(want);
      expect(got[0]).toHaveLength(Math.min(k, widths.reduce((a, b) => a + b, 0)));
    });
  }

  it('rejects a bad k and an output without room', async () => {
    const ctx = await nodeGpuContext();
    const z = ctx.empty([2, 10], 'f32');
    expect(() => topKCandidates(ctx, z, 0, ctx.empty([2, 1, 1, 2]), { colOffset: 0, segOffset: 0 })).toThrow(/outside 1\.\.16/);
    expect(() => topKCandidates(ctx, z, 17, ctx.empty([2, 1, 17, 2]), { colOffset: 0, segOffset: 0 })).toThrow(/outside 1\.\.16/);
    expect(() => topKCandidates(ctx, z, 3, ctx.empty([2, 1, 3, 2]), { colOffset: 0, segOffset: 1 })).toThrow(/not room/);
  });
});
