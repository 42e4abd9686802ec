// ROME and C-ROME on the GPU reproduce rome.json (independent float64
// implementation): v* trace, u, the right vector, the edited weight, and the
// NLLs and perplexity after the edit.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cholesky } from '../models/editing/cholesky.ts';
import { cProjWeight, WeightHistory } from '../models/editing/history.ts';
import { prepareRequest } from '../models/editing/prepared.ts';
import { computeRomeUpdate, type RomeVariant } from '../models/editing/rome.ts';
import { romeHparams } from '../models/editing/rome-hparams.ts';
import { nodeGpuContext } from '../models/gpu/node-gpu.ts';
import { loadGpt2 } from '../models/gpt2/load.ts';
import { dirModelFiles } from '../models/gpt2/load-node.ts';
import { scoreSequences } from '../models/gpt2/score.ts';
import { loadGpt2TokenizerFromDir } from '../models/tokenizer/tokenizer-node.ts';
import { relL2 } from './helpers/compare.ts';

const rome = JSON.parse(readFileSync('tests/fixtures/tiny-gpt2/rome.json', 'utf8'));
const tok = loadGpt2TokenizerFromDir();
const templates: string[] = rome.context_templates.map((c: { template: string }) => c.template);
const C = Float64Array.from(rome.covariance.C.flat());
const factor = cholesky(C, rome.covariance.dim);
const rel = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);

async function freshModel() {
  return loadGpt2(await nodeGpuContext(), dirModelFiles('public/models/tiny-gpt2'));
}

describe('ROME on WebGPU matches rome.json', () => {
  for (const variant of ['rome', 'c-rome'] as RomeVariant[]) {
    it(`${variant}: k*, u, v*, right vector, edited weight, NLL and ppl after`, async () => {
      const model = await freshModel();
      const hp = romeHparams(model.config.nLayer, rome.hparams);
      const up = await computeRomeUpdate(model, prepareRequest(tok, rome.request), templates, hp, factor, variant);
      const want = rome.variants[variant === 'rome' ? 'rome' : 'c_rome'];
      expect(relL2(up.kStar, rome.k_star)).toBeLessThan(1e-4);
      expect(relL2(up.uRaw, rome.C_inv_k_star)).toBeLessThan(1e-4);
      expect(relL2(up.u, rome.left_vector)).toBeLessThan(1e-4);
      // v*: the whole loss trace, the Adam step count, the final vector.
      expect(up.v.losses).toHaveLength(rome.v.losses.length);
      up.v.losses.forEach((l, i) => expect(rel(l, rome.v.losses[i])).toBeLessThan(1e-4));
      expect(up.v.adamSteps).toBe(rome.v.n_adam_steps);
      expect(relL2(up.v.targetInit, rome.v.target_init)).toBeLessThan(1e-4);
      expect(relL2(up.v.vStar, rome.v.v_star)).toBeLessThan(1e-4);
      expect(relL2(up.curInput, want.cur_input)).toBeLessThan(1e-4);
      expect(relL2(up.curOutput, want.cur_output)).toBeLessThan(1e-4);
      expect(rel(up.denominator, want.denominator)).toBeLessThan(1e-4);
      expect(relL2(up.right, want.right_vector)).toBeLessThan(1e-4);
      expect(rel(up.updateNorm, want.delta_matrix_fro)).toBeLessThan(1e-4);

      const history = new WeightHistory(model);
      await history.apply([{ param: cProjWeight(hp.layer), u: Float32Array.from(up.u), right: Float32Array.from(up.right) }]);
      const w = await model.ctx.downloadF32(model.weights.blocks[hp.layer]!.mlpProj.w);
      expect(relL2(w, want.updated_c_proj_weight.flat())).toBeLessThan(1e-4);

      const fwd = rome.forward_texts.map((t: { ids: number[] }) => t.ids);
      const scores = await scoreSequences(model, fwd);
      const all = scores.flatMap((s) => Array.from(s.nll));
      const ppl = Math.exp(all.reduce((a, b) => a + b, 0) / all.length);
      expect(Math.abs(Math.log(ppl) - Math.log(want.ppl_after))).toBeLessThan(1e-4);
      for (const which of ['target_new', 'target_true'] as const) {
        const t = want.nll_after[which];
        const [s] = await scoreSequences(model, [[...t.prompt_ids, ...t.target_ids]]);
        const per = Array.from(s!.nll.slice(t.prompt_ids.length - 1));
        per.forEach((x, j) => expect(Math.abs(x - t.per_token[j])).toBeLessThan(1e-3));
      }
    });
  }

  it('early-stop case: stops below 5e-2 after 10 Adam steps', async () => {
    const model = await freshModel();
    const es = rome.early_stop_case;
    const hp = romeHparams(model.config.nLayer, es.hparams);
    const up = await computeRomeUpdate(model, prepareRequest(tok, es.request), templates, hp, factor, 'rome');
    expect(up.v.losses).toHaveLength(es.v.losses.length);
    up.v.losses.forEach((l, i) => expect(rel(l, es.v.losses[i])).toBeLessThan(1e-3));
    expect(up.v.earlyStopped).toBe(true);
    expect(relL2(up.v.vStar, es.v.v_star)).toBeLessThan(1e-4);
  });
});
