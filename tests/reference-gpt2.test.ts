// The float64 reference GPT-2 against the golden forward.json (same maths, so ~1e-12 agreement),
// and its ROME hooks against rome.json's keys, MLP outputs and v* trace.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Gpt2Config } from '../models/gpt2/config.ts';
import { gpt2ForwardF64, pooledPerplexity, type Gpt2WeightsF64 } from '../models/reference/gpt2.ts';
import { loadReferenceGpt2FromDir } from '../models/reference/gpt2-node.ts';
import { expectClose, relL2 } from './helpers/compare.ts';

interface ForwardText {
  text: string;
  ids: number[];
  nll: number[];
  mean_nll: number;
  argmax: number[];
  logsumexp: number[];
  logits_0_31: number[][];
  embed_last: number[];
  residual_last: number[][];
}
interface ForwardFixture {
  texts: ForwardText[];
  mean_nll: number;
  ppl: number;
  n_predicted: number;
  f16: { per_text_nll: number[][]; per_text_mean_nll: number[]; mean_nll: number; ppl: number };
}

const fixture = (name: string): unknown => JSON.parse(readFileSync(new URL(`./fixtures/tiny-gpt2/${name}`, import.meta.url), 'utf8'));
const forward = fixture('forward.json') as ForwardFixture;
const row = (a: Float64Array, r: number, width: number) => a.subarray(r * width, (r + 1) * width);

let config: Gpt2Config;
let weights: Gpt2WeightsF64;
beforeAll(() => {
  ({ config, weights } = loadReferenceGpt2FromDir());
});

describe('reference GPT-2 vs forward.json (F32 weights)', () => {
  it('matches per-token NLL, argmax, logsumexp, logits, embeddings and residuals', () => {
    for (const [i, tx] of forward.texts.entries()) {
      const what = `text ${i}`;
      const r = gpt2ForwardF64(config, weights, tx.ids, { keepLogits: true });
      const T = tx.ids.length;
      const V = config.vocabSize;
      const d = config.nEmbd;
      expectClose(r.nll, tx.nll, 1e-9, 0, `${what} nll`);
      expect(Array.from(r.argmax), `${what} argmax`).toEqual(tx.argmax);
      expectClose(r.logsumexp, tx.logsumexp, 1e-9, 0, `${what} logsumexp`);
      for (let t = 0; t < T; t++) expectClose(r.logits!.subarray(t * V, t * V + 32), tx.logits_0_31[t]!, 1e-9, 0, `${what} logits[${t}, 0:32]`);
      expectClose(row(r.embed, T - 1, d), tx.embed_last, 1e-12, 0, `${what} embed_last`);
      expect(r.residuals.length).toBe(config.nLayer);
      for (let l = 0; l < config.nLayer; l++) expectClose(row(r.residuals[l]!, T - 1, d), tx.residual_last[l]!, 1e-9, 1e-12, `${what} residual_last[${l}]`);
      const mean = r.nll.reduce((a, b) => a + b, 0) / r.nll.length;
      expect(Math.abs(mean - tx.mean_nll)).toBeLessThan(1e-9);
    }
  });

  it('matches the pooled mean NLL and perplexity', () => {
    const pooled = pooledPerplexity(forward.texts.map((tx) => gpt2ForwardF64(config, weights, tx.ids).nll));
    expect(pooled.nPredicted).toBe(forward.n_predicted);
    expect(Math.abs(pooled.meanNll - forward.mean_nll)).toBeLessThan(1e-9);
    expect(Math.abs(Math.log(pooled.ppl) - Math.log(forward.ppl))).toBeLessThan(1e-9);
  });

  it('runs 15 tokens over the full vocabulary well under a second', () => {
    const ids = forward.texts[0]!.ids;
    gpt2ForwardF64(config, weights, ids); // warm the JIT
    const t0 = performance.now();
    gpt2ForwardF64(config, weights, ids);
    expect(performance.now() - t0).toBeLessThan(1000);
  });
});

describe('reference GPT-2 vs forward.json (F16 weights)', () => {
  it('matches the f16 section', () => {
    const f16 = loadReferenceGpt2FromDir(undefined, 'model.f16.safetensors');
    const nlls = forward.texts.map((tx) => gpt2ForwardF64(f16.config, f16.weights, tx.ids).nll);
    nlls.forEach((nll, i) => {
      expectClose(nll, forward.f16.per_text_nll[i]!, 1e-9, 0, `f16 text ${i} nll`);
      const mean = nll.reduce((a, b) => a + b, 0) / nll.length;
      expect(Math.abs(mean - forward.f16.per_text_mean_nll[i]!)).toBeLessThan(1e-9);
    });
    const pooled = pooledPerplexity(nlls);
    expect(Math.abs(pooled.meanNll - forward.f16.mean_nll)).toBeLessThan(1e-9);
    expect(Math.abs(Math.log(pooled.ppl) - Math.log(forward.f16.ppl))).toBeLessThan(1e-9);
    // The F16 model really differs from the F32 one.
    expect(Math.abs(forward.f16.mean_nll - forward.mean_nll)).toBeGreaterThan(1e-6);
  });
});

describe('ROME hooks vs rome.json', () => {
  interface KeyContext {
    ids: number[];
    subject_last_idx: number;
    key: number[];
  }
  interface VPrompt {
    kind: string;
    ids: number[];
    lookup_idx: number;
    scored_positions: number[];
  }
  const rome = fixture('rome.json') as {
    hparams: { layer: number };
    key_contexts: KeyContext[];
    v: { target_ids: number[]; target_init: number[]; prompts: VPrompt[]; trace: { delta: number[]; nll_each: number[] }[] };
  };
  const layer = rome.hparams.layer;

  it('captures the keys (input of mlp.c_proj) at the subject-last token', () => {
    for (const kc of rome.key_contexts) {
      const r = gpt2ForwardF64(config, weights, kc.ids, { hooks: { layer, captureKeys: true } });
      expect(r.keys!.length).toBe(kc.ids.length * config.nInner);
      expect(relL2(row(r.keys!, kc.subject_last_idx, config.nInner), kc.key)).toBeLessThan(1e-12);
    }
  });

  it('captures the MLP output: target_init at the first prompt lookup index', () => {
    const p = rome.v.prompts[0]!;
    const r = gpt2ForwardF64(config, weights, p.ids, { hooks: { layer, captureMlpOut: true } });
    expect(relL2(row(r.mlpOut!, p.lookup_idx, config.nEmbd), rome.v.target_init)).toBeLessThan(1e-12);
  });

  it('adds a delta to the MLP output: reproduces the v* trace NLL of each rewriting prompt', () => {
    const rewriting = rome.v.prompts.filter((p) => p.kind === 'rewriting');
    const targets = rome.v.target_ids;
    for (const it of [0, 7, rome.v.trace.length - 1]) {
      const step = rome.v.trace[it]!;
      rewriting.forEach((p, i) => {
        const r = gpt2ForwardF64(config, weights, p.ids, { keepLogits: true, hooks: { layer, captureMlpOut: true, mlpOutDelta: { row: p.lookup_idx, delta: step.delta } } });
        // NLL of target token j, read from the logits at scored position j.
        let nll = 0;
        p.scored_positions.forEach((pos, j) => (nll += r.logsumexp[pos]! - r.logits![pos * config.vocabSize + targets[j]!]!));
        expect(Math.abs(nll / targets.length - step.nll_each[i]!), `iteration ${it}, prompt ${i}`).toBeLessThan(1e-9);
      });
    }
  });

  it('a delta changes only its own row of the MLP output and nothing before the layer', () => {
    const p = rome.v.prompts[0]!;
    const delta = new Float64Array(config.nEmbd).fill(0.5);
    const base = gpt2ForwardF64(config, weights, p.ids, { hooks: { layer, captureMlpOut: true } });
    const hooked = gpt2ForwardF64(config, weights, p.ids, { hooks: { layer, captureMlpOut: true, mlpOutDelta: { row: 2, delta } } });
    const want = base.mlpOut!.slice();
    for (let i = 0; i < config.nEmbd; i++) want[2 * config.nEmbd + i]! += 0.5;
    expectClose(hooked.mlpOut!, want, 1e-15, 0, 'mlpOut with delta');
    expect(hooked.residuals[layer - 1]).toEqual(base.residuals[layer - 1]);
    // Rows before the delta are unaffected anywhere (causal attention).
    expectClose(hooked.residuals[config.nLayer - 1]!.subarray(0, 2 * config.nEmbd), base.residuals[config.nLayer - 1]!.subarray(0, 2 * config.nEmbd), 0, 0, 'causal rows');
  });

  it('rejects bad inputs clearly', () => {
    expect(() => gpt2ForwardF64(config, weights, [])).toThrow(/ids is empty/);
    expect(() => gpt2ForwardF64(config, weights, [50257])).toThrow(/id 50257 is outside 0..50256/);
    expect(() => gpt2ForwardF64(config, weights, new Array(129).fill(1))).toThrow(/129 ids exceed n_positions=128/);
    expect(() => gpt2ForwardF64(config, weights, [1, 2], { hooks: { layer: 4 } })).toThrow(/hook layer 4 is outside 0..3/);
    expect(() => gpt2ForwardF64(config, weights, [1, 2], { hooks: { layer: 1, mlpOutDelta: { row: 2, delta: new Float64Array(64) } } })).toThrow(/delta row 2/);
    expect(() => gpt2ForwardF64(config, weights, [1, 2], { hooks: { layer: 1, mlpOutDelta: { row: 0, delta: [1] } } })).toThrow(/delta has length 1, expected n_embd=64/);
  });
});
