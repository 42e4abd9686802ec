// The GPU engine against the independent float64 goldens (forward.json).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { nodeGpuContext } from '../models/gpu/node-gpu.ts';
import { loadGpt2 } from '../models/gpt2/load.ts';
import { dirModelFiles } from '../models/gpt2/load-node.ts';
import { scoreSequences } from '../models/gpt2/score.ts';

const MODEL_DIR = 'public/models/tiny-gpt2';
const forward = JSON.parse(readFileSync('tests/fixtures/tiny-gpt2/forward.json', 'utf8'));
const texts: Array<{ ids: number[]; nll: number[]; argmax: number[] }> = forward.texts;

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < b.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

describe('GPT-2 on WebGPU matches the float64 goldens', () => {
  it('F32 weights: per-token NLL within 1e-4 and the same argmax, batched with padding', async () => {
    const ctx = await nodeGpuContext();
    const model = await loadGpt2(ctx, dirModelFiles(MODEL_DIR));
    const scores = await scoreSequences(model, texts.map((t) => t.ids));
    texts.forEach((t, i) => {
      expect(maxAbsDiff(scores[i]!.nll, t.nll)).toBeLessThan(1e-4);
      // forward.json's argmax covers every position; the scorer reports those predicting tokens 2..T.
      expect(Array.from(scores[i]!.argmax)).toEqual(t.argmax.slice(0, t.ids.length - 1));
    });
  });

  it('F16 weights (packed, unpacked in the kernels) match the F16 reference', async () => {
    const ctx = await nodeGpuContext();
    const model = await loadGpt2(ctx, dirModelFiles(MODEL_DIR, 'model.f16.safetensors'));
    expect(model.weights.wte[0]!.table.dtype).toBe('f16');
    const scores = await scoreSequences(model, texts.map((t) => t.ids));
    const want: number[][] = forward.f16.per_text_nll;
    texts.forEach((_, i) => expect(maxAbsDiff(scores[i]!.nll, want[i]!)).toBeLessThan(1e-4));
  });

  it('gives the same NLLs with the vocabulary in many chunks and one sequence per pass', async () => {
    const ctx = await nodeGpuContext();
    const model = await loadGpt2(ctx, dirModelFiles(MODEL_DIR), { vocabChunkRows: 7001 });
    expect(model.weights.wte.length).toBe(Math.ceil(50257 / 7001));
    const scores = await scoreSequences(model, texts.map((t) => t.ids), { maxRows: 20 });
    texts.forEach((t, i) => expect(maxAbsDiff(scores[i]!.nll, t.nll)).toBeLessThan(1e-4));
  });

  it('scores a text longer than the context with a sliding window', async () => {
    const ctx = await nodeGpuContext();
    const model = await loadGpt2(ctx, dirModelFiles(MODEL_DIR));
    const long = Array.from({ length: 160 }, (_, i) => (i * 7919) % 50257);
    const [s] = await scoreSequences(model, [long], { maxRows: 128, stride: 100 });
    expect(s!.nll.length).toBe(159);
    expect(s!.nll.every((x) => Number.isFinite(x) && x > 0)).toBe(true);
    // The first window is scored as a plain sequence of 128 tokens.
    const [head] = await scoreSequences(model, [long.slice(0, 128)]);
    expect(maxAbsDiff(s!.nll.slice(0, 127), head!.nll)).toBeLessThan(1e-5);
  });

  it('lastOnly scores each sequence\'s last token as the full pass does (also past the context)', async () => {
    const ctx = await nodeGpuContext();
    const model = await loadGpt2(ctx, dirModelFiles(MODEL_DIR));
    const long = Array.from({ length: 160 }, (_, i) => (i * 7919) % 50257);
    const seqs = [...texts.map((t) => t.ids), long, [464, 3290]];
    const full = await scoreSequences(model, seqs, { maxRows: 128, stride: 100 });
    const last = await scoreSequences(model, seqs, { maxRows: 128, stride: 100, lastOnly: true });
    seqs.forEach((s, i) => {
      const n = s.length - 2;
      expect(last[i]!.argmax[n]).toBe(full[i]!.argmax[n]);
      expect(Math.abs(last[i]!.nll[n]! - full[i]!.nll[n]!)).toBeLessThan(1e-5);
      if (n > 0) expect(last[i]!.nll[0]).toBe(0); // not scored
    });
  });
});
