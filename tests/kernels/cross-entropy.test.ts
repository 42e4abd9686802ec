import { describe, expect, it } from 'vitest';
import { nodeGpuContext } from '../../models/gpu/node-gpu.ts';
import { decodeLseState, logSoftmaxAccumulate, LSE_STATE_WIDTH } from '../../models/kernels/cross-entropy.ts';
import { rowScoresRef } from '../../models/reference/cross-entropy.ts';
import { expectClose } from '../helpers/compare.ts';
import { randomArray, rng } from '../helpers/random.ts';

// Streams [rows, vocab] logits through the kernel in column chunks, as the model does.
async function streamed(rows: number, vocab: number, chunk: number, logits: Float32Array, targets: Uint32Array) {
  const ctx = await nodeGpuContext();
  const tgt = ctx.upload(targets, [rows], 'u32');
  const state = ctx.empty([rows, LSE_STATE_WIDTH]);
  for (let c0 = 0; c0 < vocab; c0 += chunk) {
    const cols = Math.min(chunk, vocab - c0);
    const part = new Float32Array(rows * cols);
    for (let r = 0; r < rows; r++) part.set(logits.subarray(r * vocab + c0, r * vocab + c0 + cols), r * cols);
    logSoftmaxAccumulate(ctx, ctx.upload(part, [rows, cols]), tgt, state, c0, c0 === 0);
  }
  return decodeLseState(await ctx.downloadF32(state), targets);
}

describe('chunked log-softmax statistics', () => {
  for (const [rows, vocab, chunk] of [
    [1, 1, 1],
    [3, 17, 5],
    [17, 769, 256],
    [5, 50257, 8192],
  ] as const) {
    it(`matches the float64 twin: rows=${rows} vocab=${vocab} chunk=${chunk}`, async () => {
      const logits = randomArray(rows * vocab, rows + vocab, 8);
      const r = rng(vocab);
      const targets = Uint32Array.from({ length: rows }, (_, i) => (i === 1 ? 0xffffffff : Math.floor(r() * vocab)));
      const got = await streamed(rows, vocab, chunk, logits, targets);
      const want = rowScoresRef(logits, rows, vocab, targets);
      expectClose(got.logsumexp, want.logsumexp, 1e-5, 1e-6, 'logsumexp');
      expectClose(got.nll.map((x) => (Number.isNaN(x) ? -1 : x)), want.nll.map((x) => (Number.isNaN(x) ? -1 : x)), 2e-5, 1e-5, 'nll');
      expect(Array.from(got.argmax)).toEqual(Array.from(want.argmax));
    });
  }

  it('stays finite for huge logits and breaks argmax ties to the lowest index', async () => {
    const vocab = 300;
    const logits = new Float32Array(2 * vocab).fill(-5);
    logits[10] = 1e4; // would overflow exp without the max shift
    logits[vocab + 7] = 3;
    logits[vocab + 250] = 3; // tie in a later chunk
    const targets = new Uint32Array([10, 250]);
    const got = await streamed(2, vocab, 128, logits, targets);
    expect(got.nll[0]).toBeCloseTo(0, 6);
    expect(got.argmax[0]).toBe(10);
    expect(got.argmax[1]).toBe(7);
    expect(Number.isFinite(got.logsumexp[0]!)).toBe(true);
  });
});
