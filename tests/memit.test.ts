// MEMIT on WebGPU reproduces methods.json (independent float64 implementation):
// z and its loss trace, per layer the keys, cur_z, resid, adj and ‖ΔW‖, then the
// final weights, target NLLs and perplexity; single, batch and sequential.
import { describe, expect, it } from 'vitest';
import { WeightHistory } from '../models/editing/history.ts';
import { computeMemit, type MemitHparams } from '../models/editing/memit.ts';
import { defaultMemitLayers } from '../models/settings-table.ts';
import { loadGpt2TokenizerFromDir } from '../models/tokenizer/tokenizer-node.ts';
import { expectAfter, expectChecksumsByName, expectClose, expectWeightsByName, freshModel, layerStats, methods, multiLayerHparams, rel, templates, TOL } from './helpers/methods-fixture.ts';

const tok = loadGpt2TokenizerFromDir();
const fx = methods.methods.memit;

// A shared CPU runs these slowly: minutes, not the default two.
describe('MEMIT on WebGPU matches methods.json', { timeout: 900_000 }, () => {
  for (const name of ['single', 'batch', 'sequential'] as const) {
    it(`${name}: z, keys, per-layer ΔW, final weights, NLLs and ppl`, async () => {
      const model = await freshModel();
      const hp: MemitHparams = { ...multiLayerHparams(fx.hparams), mom2_update_weight: fx.hparams.mom2_update_weight };
      const stats = await layerStats(model, hp.layers);
      const history = new WeightHistory(model);
      const c = fx.cases[name];
      for (const step of c.steps) {
        const reqs = step.request_indices.map((i: number) => c.requests[i]);
        const up = await computeMemit(model, tok, reqs, templates, hp, stats, history);
        expect(up.zLayer).toBe(fx.hparams.z_layer);
        up.z.forEach((z, r) => {
          const want = step.z[r];
          expect(z.losses.length).toBe(want.losses.length);
          z.losses.forEach((l, i) => expect(rel(l, want.losses[i]), `z loss ${i}`).toBeLessThan(TOL));
          expect(z.adamSteps).toBe(want.n_adam_steps);
          expectClose(z.targetInit, want.target_init, 'target_init');
          expectClose(z.vStar, want.z, 'z');
        });
        up.layers.forEach((L, i) => {
          const want = step.layers[i];
          expect(L.layer).toBe(want.layer);
          expect(L.divisor).toBe(want.divisor);
          L.keys.forEach((k, j) => expectClose(k, want.keys[j], `layer ${L.layer} key ${j}`));
          L.keyGroupMeans.forEach((g, j) => g.forEach((v, q) => expectClose(v, want.key_group_means[j][q], 'group mean')));
          L.curZ.forEach((v, j) => expectClose(v, want.cur_z[j], 'cur_z'));
          L.resid.forEach((v, j) => expectClose(v, want.resid[j], 'resid'));
          L.adj.forEach((v, j) => expectClose(v, want.adj_k[j], 'adj'));
          expect(rel(L.deltaFro, want.delta_matrix_fro)).toBeLessThan(TOL);
          expect(rel(L.deltaMaxAbs, want.delta_matrix_max_abs)).toBeLessThan(TOL);
        });
        await expectChecksumsByName(model, step.c_proj_checksums_after);
      }
      await expectWeightsByName(model, c.final.c_proj_weights);
      await expectAfter(model, c.final.nll_after, c.final.ppl_after);
      // Undo every step: the original weights come back bit-exactly.
      const before = await model.ctx.downloadF32(model.weights.blocks[1]!.mlpProj.w);
      history.truncate(0);
      const orig = await model.ctx.downloadF32(model.weights.blocks[1]!.mlpProj.w);
      expect(before.some((x, i) => x !== orig[i])).toBe(true);
      const fresh = await freshModel();
      expect(Array.from(orig)).toEqual(Array.from(await fresh.ctx.downloadF32(fresh.weights.blocks[1]!.mlpProj.w)));
    });
  }

  it('leaves the model unchanged with apply: false, and the deltas replay to the same bits', async () => {
    const model = await freshModel();
    const hp: MemitHparams = { ...multiLayerHparams(fx.hparams), mom2_update_weight: fx.hparams.mom2_update_weight, v_num_grad_steps: 3 };
    const stats = await layerStats(model, hp.layers);
    const history = new WeightHistory(model);
    const req = fx.cases.single.requests[0];
    const w0 = await model.ctx.downloadF32(model.weights.blocks[2]!.mlpProj.w);
    const applied = await computeMemit(model, tok, [req], templates, hp, stats, history);
    const wApplied = await model.ctx.downloadF32(model.weights.blocks[2]!.mlpProj.w);
    history.truncate(0);
    expect(Array.from(await model.ctx.downloadF32(model.weights.blocks[2]!.mlpProj.w))).toEqual(Array.from(w0));
    const dry = await computeMemit(model, tok, [req], templates, hp, stats, history, { apply: false });
    expect(history.edits.length).toBe(0);
    expect(Array.from(await model.ctx.downloadF32(model.weights.blocks[2]!.mlpProj.w))).toEqual(Array.from(w0));
    await history.apply(dry.deltas);
    expect(Array.from(await model.ctx.downloadF32(model.weights.blocks[2]!.mlpProj.w))).toEqual(Array.from(wApplied));
    expect(dry.deltas.map((d) => d.param)).toEqual(applied.deltas.map((d) => d.param));
  });

  it('cancel puts the weights back; bad layers are refused with a clear message', async () => {
    const model = await freshModel();
    const hp: MemitHparams = { ...multiLayerHparams(fx.hparams), mom2_update_weight: 100, v_num_grad_steps: 3 };
    const stats = await layerStats(model, hp.layers);
    const history = new WeightHistory(model);
    const w0 = await model.ctx.downloadF32(model.weights.blocks[1]!.mlpProj.w);
    const ac = new AbortController();
    const req = fx.cases.single.requests[0];
    await expect(
      computeMemit(model, tok, [req], templates, hp, stats, history, { signal: ac.signal, onProgress: (p) => p.stage === 'solve' && p.detail === 'layer 2' && ac.abort(new Error('stop')) }),
    ).rejects.toThrow('stop');
    expect(history.edits.length).toBe(0);
    expect(Array.from(await model.ctx.downloadF32(model.weights.blocks[1]!.mlpProj.w))).toEqual(Array.from(w0));
    await expect(computeMemit(model, tok, [req], templates, { ...hp, layers: [2, 1] }, stats, history)).rejects.toThrow(/increasing/);
    await expect(computeMemit(model, tok, [req], templates, { ...hp, layers: [1, 7] }, stats, history)).rejects.toThrow(/does not exist/);
    expect(defaultMemitLayers(48)).toEqual([13, 14, 15, 16, 17]);
    expect(defaultMemitLayers(12)).toEqual([4, 5]);
  });
});
