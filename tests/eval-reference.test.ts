// Every task scorer on the GPU engine against the same scorer on the float64
// CPU reference GPT-2 (an independent oracle), tiny model, a few real items
// each: the same decisions and generations, and summed log-likelihoods equal
// to float32 accuracy. The reference computes all 50257 logits at every
// position (~2.5 s per 128 tokens here), so the items are the shortest of
// each file; a SQuAD paragraph (longer than the tiny model's 128 positions)
// checks the left truncation.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseCounterFact } from '../models/data/counterfact.ts';
import { counterFactCase, editMetrics, localityCaches } from '../models/eval/edit-metrics.ts';
import type { ScoringModel } from '../models/eval/scoring-model.ts';
import { gpuScoringModel } from '../models/eval/scoring-model.ts';
import { scoreNqOpen } from '../models/eval/nq-open.ts';
import { scoreSquad } from '../models/eval/squad.ts';
import { TASKS, taskById } from '../models/eval/tasks.ts';
import { nodeGpuContext } from '../models/gpu/node-gpu.ts';
import { loadGpt2 } from '../models/gpt2/load.ts';
import { dirModelFiles } from '../models/gpt2/load-node.ts';
import { loadReferenceGpt2FromDir } from '../models/reference/gpt2-node.ts';
import { loadGpt2TokenizerFromDir } from '../models/tokenizer/tokenizer-node.ts';
import { referenceScoringModel } from './helpers/scoring-models.ts';

const DIR = 'public/models/tiny-gpt2';
const tok = loadGpt2TokenizerFromDir();
const readAsset = async (p: string) => readFileSync(`public/${p}`, 'utf8');
// f32 GPU against f64 CPU: per-token NLLs agree to ~1e-4 (gpt2-gpu.test.ts); sums grow with the tokens.
const close = (gpu: number, cpu: number, tokens: number) => expect(Math.abs(gpu - cpu)).toBeLessThan(1e-4 + 2e-4 * tokens);
/** The k items with the shortest JSON text (a proxy for token count). */
const shortest = <T>(items: T[], k: number): T[] => [...items].sort((a, b) => JSON.stringify(a).length - JSON.stringify(b).length).slice(0, k);

let gpu: ScoringModel;
let cpu: ScoringModel;

beforeAll(async () => {
  gpu = gpuScoringModel(await loadGpt2(await nodeGpuContext(), dirModelFiles(DIR)));
  const ref = loadReferenceGpt2FromDir(DIR);
  cpu = referenceScoringModel(ref.config, ref.weights);
});

describe('task scorers: GPU engine = float64 reference', () => {
  it('LAMBADA: greedy decisions and the target log-likelihoods', async () => {
    const items = shortest(await TASKS.lambada.load(readAsset), 2);
    const [g, c] = [await TASKS.lambada.score(gpu, tok, items), await TASKS.lambada.score(cpu, tok, items)];
    const gi = g.items as { logLik: number; tokens: number; correct: number; truncated: number }[];
    const ci = c.items as typeof gi;
    expect(gi.map((i) => [i.correct, i.tokens, i.truncated])).toEqual(ci.map((i) => [i.correct, i.tokens, i.truncated]));
    gi.forEach((it, k) => close(it.logLik, ci[k]!.logLik, it.tokens));
    expect(g.metrics.acc).toBe(c.metrics.acc);
    expect(Math.abs(Math.log(g.metrics.ppl!) - Math.log(c.metrics.ppl!))).toBeLessThan(1e-3);
  });

  for (const id of ['piqa', 'hellaswag', 'mmlu'] as const) {
    it(`${id}: acc and acc_norm decisions and each choice's summed log-likelihood`, async () => {
      const t = taskById(id)!;
      const items = shortest(await t.load(readAsset), id === 'piqa' ? 2 : 1);
      const g = await t.score(gpu, tok, items);
      const c = await t.score(cpu, tok, items);
      type D = { logLiks: number[]; pred: number; predNorm: number };
      (g.items as D[]).forEach((d, k) => {
        const r = (c.items as D[])[k]!;
        expect([d.pred, d.predNorm]).toEqual([r.pred, r.predNorm]);
        d.logLiks.forEach((l, j) => close(l, r.logLiks[j]!, 40));
      });
      expect(g.metrics).toEqual({ ...c.metrics });
    });
  }

  it('NQ-open and SQuAD: the same greedy answers', async () => {
    const nq = shortest(await TASKS.nq.load(readAsset), 2);
    const g = await scoreNqOpen(gpu, tok, nq, { maxNewTokens: 3 });
    const c = await scoreNqOpen(cpu, tok, nq, { maxNewTokens: 3 });
    expect(g.items).toEqual(c.items);
    const sq = (await TASKS.squad.load(readAsset)).slice(0, 1);
    const gs = await scoreSquad(gpu, tok, sq, { maxNewTokens: 1 });
    const cs = await scoreSquad(cpu, tok, sq, { maxNewTokens: 1 });
    expect(gs.items).toEqual(cs.items);
    expect(gs.items[0]!.truncated).toBeGreaterThan(0); // a whole paragraph does not fit 128 positions
  });

  it('CounterFact edit metrics and the locality cache', async () => {
    const [rec] = parseCounterFact(await readAsset('data/counterfact/counterfact_100.json'));
    const c = counterFactCase(rec!);
    c.paraphrase_prompts = c.paraphrase_prompts.slice(1);
    c.neighborhood_prompts = c.neighborhood_prompts.slice(0, 2);
    const [gc] = await localityCaches(gpu, tok, [c]);
    const [cc] = await localityCaches(cpu, tok, [c]);
    expect(gc).toEqual(cc);
    const gm = await editMetrics(gpu, tok, c, gc!);
    const cm = await editMetrics(cpu, tok, c, cc!);
    for (const k of ['efficacy', 'generalization', 'specificity', 'score', 'rewrite_acc', 'rephrase_acc', 'locality'] as const) expect(gm[k]).toBe(cm[k]);
    for (const k of ['efficacy_magnitude', 'generalization_magnitude', 'specificity_magnitude'] as const) expect(Math.abs(gm[k] - cm[k])).toBeLessThan(1e-6);
  });
});
