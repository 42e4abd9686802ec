import { describe, expect, it } from 'vitest';
import { nodeGpuContext } from '../../models/gpu/node-gpu.ts';
import { addPositions, embed, gatherRows } from '../../models/kernels/embedding.ts';
import { addPositionsRef, gatherRowsRef } from '../../models/reference/embedding.ts';
import { checked, uploadAs } from '../helpers/gpu-data.ts';
import { expectClose } from '../helpers/compare.ts';
import { randomArray, rng } from '../helpers/random.ts';

// Tolerance: a gather is a copy (exact, also for halves, which upcast
// exactly); adding a position is one f32 rounding of the sum, ~6e-8 relative.
const ADD_TOL = 1e-6;

function randomIds(n: number, vocab: number, seed: number): Uint32Array {
  const r = rng(seed);
  const ids = Uint32Array.from({ length: n }, () => Math.floor(r() * vocab));
  if (n > 1) {
    ids[0] = vocab - 1; // the last row: an off-by-one in the bounds drops it
    ids[n - 1] = 0;
  }
  return ids;
}

describe('embedding kernels', () => {
  for (const dtype of ['f32', 'f16'] as const) {
    for (const [T, vocab, d] of [
      [1, 5, 3],
      [3, 50, 17],
      [65, 257, 64],
      [17, 1000, 769],
    ] as const) {
      it(`gathers ${dtype} table rows: T=${T} vocab=${vocab} d=${d}`, async () => {
        const ctx = await nodeGpuContext();
        const table = uploadAs(ctx, randomArray(vocab * d, T + d), [vocab, d], dtype);
        const ids = randomIds(T, vocab, T * 7 + 1);
        const out = await checked(ctx, () => gatherRows(ctx, table.tensor, ctx.upload(ids, [T])));
        expect(out.shape).toEqual([T, d]);
        expectClose(await ctx.downloadF32(out), gatherRowsRef(table.values, d, ids), 0, 0, `gather ${dtype}`);
      });
    }
  }

  it('gathers from a row-chunked table, leaving other ids untouched', async () => {
    const ctx = await nodeGpuContext();
    const vocab = 50;
    const d = 7;
    const T = 40;
    const full = randomArray(vocab * d, 3);
    const ids = randomIds(T, vocab, 5);
    ids[1] = 20; // first row of the middle chunk
    ids[2] = 19; // last row of the first chunk
    ids[3] = 44; // last row of the middle chunk
    ids[4] = 45; // first row of the last chunk
    const bounds = [0, 20, 45, vocab];
    // One chunk alone: rows outside it keep their previous contents.
    const sentinel = new Float32Array(T * d).fill(-7);
    const middle = full.slice(20 * d, 45 * d);
    const out = ctx.upload(sentinel, [T, d]);
    await checked(ctx, () => gatherRows(ctx, ctx.upload(middle, [25, d]), ctx.upload(ids, [T]), { rowOffset: 20, out }));
    expectClose(await ctx.downloadF32(out), gatherRowsRef(middle, d, ids, 20, sentinel), 0, 0, 'middle chunk');
    // All chunks, half precision, through embed(): equals the whole table's gather plus positions.
    const wpe = uploadAs(ctx, randomArray(64 * d, 4), [64, d], 'f16');
    const chunks = bounds.slice(0, -1).map((lo, i) => {
      const hi = bounds[i + 1]!;
      return { table: uploadAs(ctx, full.slice(lo * d, hi * d), [hi - lo, d], 'f16'), rowOffset: lo };
    });
    const whole = chunks.flatMap((c) => Array.from(c.table.values));
    const got = await checked(ctx, () =>
      embed(ctx, chunks.map((c) => ({ table: c.table.tensor, rowOffset: c.rowOffset })), wpe.tensor, ctx.upload(ids, [T]), 5),
    );
    const want = addPositionsRef(gatherRowsRef(whole, d, ids), wpe.values, d, T, 5);
    expectClose(await ctx.downloadF32(got), want, ADD_TOL, ADD_TOL, 'chunked embed');
  });

  it('embeds a batch of sequences with positions restarting per sequence', async () => {
    const ctx = await nodeGpuContext();
    const [B, T, d, vocab, nPos] = [3, 17, 33, 100, 40];
    const wte = randomArray(vocab * d, 8);
    const wpe = randomArray(nPos * d, 9);
    const ids = randomIds(B * T, vocab, 10);
    const out = await checked(ctx, () => embed(ctx, ctx.upload(wte, [vocab, d]), ctx.upload(wpe, [nPos, d]), ctx.upload(ids, [B, T]), 2));
    expect(out.shape).toEqual([B, T, d]);
    const want = addPositionsRef(gatherRowsRef(wte, d, ids), wpe, d, T, 2);
    expectClose(await ctx.downloadF32(out), want, ADD_TOL, ADD_TOL, 'batched embed');
  });

  it('adds positions in place from an offset (incremental decoding)', async () => {
    const ctx = await nodeGpuContext();
    const [T, d, nPos] = [1, 769, 1024];
    const x = randomArray(T * d, 11);
    const wpe = randomArray(nPos * d, 12);
    const xt = ctx.upload(x, [T, d]);
    const got = await checked(ctx, () => addPositions(ctx, xt, ctx.upload(wpe, [nPos, d]), 1023));
    expect(got).toBe(xt);
    expectClose(await ctx.downloadF32(xt), addPositionsRef(x, wpe, d, T, 1023), ADD_TOL, ADD_TOL, 'position 1023');
  });

  it('rejects bad inputs', async () => {
    const ctx = await nodeGpuContext();
    const table = ctx.empty([10, 4]);
    expect(() => gatherRows(ctx, table, ctx.empty([3], 'i32'))).toThrow(/ids must be u32/);
    expect(() => gatherRows(ctx, ctx.empty([40]), ctx.empty([3], 'u32'))).toThrow(/table must be \[rows, d\]/);
    expect(() => gatherRows(ctx, table, ctx.empty([3], 'u32'), { out: ctx.empty([3, 5]) })).toThrow(/out is f32 \[3, 5\]/);
    expect(() => addPositions(ctx, ctx.empty([5, 4]), ctx.empty([8, 4]), 4)).toThrow(/positions 4\.\.8 exceed the 8/);
    expect(() => addPositions(ctx, ctx.empty([5, 4]), ctx.empty([8, 3]))).toThrow(/widths differ/);
  });
});
