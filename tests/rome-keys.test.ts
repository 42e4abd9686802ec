// ROME's first stage on the GPU against rome.json: keys k_i, k*, the key
// statistics C, and the MLP outputs (target_init, o_u).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { keyCovariance } from '../models/editing/covariance.ts';
import { keysAt } from '../models/editing/keys.ts';
import { nodeGpuContext } from '../models/gpu/node-gpu.ts';
import { loadGpt2 } from '../models/gpt2/load.ts';
import { dirModelFiles } from '../models/gpt2/load-node.ts';
import { loadReferenceGpt2FromDir } from '../models/reference/gpt2-node.ts';
import { gpt2ForwardF64 } from '../models/reference/gpt2.ts';
import { relL2 } from './helpers/compare.ts';

const rome = JSON.parse(readFileSync('tests/fixtures/tiny-gpt2/rome.json', 'utf8'));
const layer: number = rome.hparams.layer;

describe('ROME keys and statistics on the GPU', () => {
  it('reads k_i at the subject-last token of every key context, and o_u', async () => {
    const ctx = await nodeGpuContext();
    const model = await loadGpt2(ctx, dirModelFiles('public/models/tiny-gpt2'));
    const acts = await keysAt(model, layer, rome.key_contexts.map((k: { ids: number[]; subject_last_idx: number }) => ({ ids: k.ids, index: k.subject_last_idx })));
    rome.key_contexts.forEach((k: { key: number[] }, i: number) => expect(relL2(acts.keys[i]!, k.key)).toBeLessThan(1e-5));
    expect(relL2(acts.mlpOut[0]!, rome.variants.rome.cur_output)).toBeLessThan(1e-5);
    expect(relL2(acts.keys[0]!, rome.variants.rome.cur_input)).toBeLessThan(1e-5);
    const p0 = rome.v.prompts[0];
    const t = await keysAt(model, layer, [{ ids: p0.ids, index: p0.lookup_idx }]);
    expect(relL2(t.mlpOut[0]!, rome.v.target_init)).toBeLessThan(1e-5);
  });

  it('accumulates C over the covariance sequences', async () => {
    const ctx = await nodeGpuContext();
    const model = await loadGpt2(ctx, dirModelFiles('public/models/tiny-gpt2'));
    const seqs: number[][] = rome.covariance.sequences;
    // A fold every few batches exercises the float64 accumulation.
    const stats = await keyCovariance(model, layer, seqs, { maxRows: 100, foldEvery: 150 });
    expect(stats.count).toBe(rome.covariance.n_tokens);
    expect(relL2(stats.C, rome.covariance.C.flat())).toBeLessThan(1e-5);
  });

  it('leaves padding out of C when sequences differ in length', async () => {
    const ctx = await nodeGpuContext();
    const model = await loadGpt2(ctx, dirModelFiles('public/models/tiny-gpt2'));
    const ref = loadReferenceGpt2FromDir('public/models/tiny-gpt2');
    const seqs: number[][] = rome.covariance.sequences.slice(0, 6).map((s: number[], i: number) => s.slice(0, 32 - 5 * i));
    const f = ref.config.nInner;
    const want = new Float64Array(f * f);
    let n = 0;
    for (const s of seqs) {
      const keys = gpt2ForwardF64(ref.config, ref.weights, s, { hooks: { layer, captureKeys: true } }).keys!;
      for (let t = 0; t < s.length; t++, n++) {
        for (let a = 0; a < f; a++) for (let b = 0; b < f; b++) want[a * f + b]! += keys[t * f + a]! * keys[t * f + b]!;
      }
    }
    for (let i = 0; i < want.length; i++) want[i]! /= n;
    const got = await keyCovariance(model, layer, seqs, { maxRows: 64 });
    expect(got.count).toBe(n);
    expect(relL2(got.C, want)).toBeLessThan(1e-5);
  });
});
