// AlphaEdit on WebGPU reproduces methods.json: the null-space projectors
// (float64 eigendecomposition of C, cached), z, per layer keys, resid, adj and
// ‖ΔW‖, the Kp accumulator, then final weights, NLLs and ppl; single, batch and
// sequential.
import { describe, expect, it } from 'vitest';
import { computeAlphaEdit, kpTrace, type AlphaEditHparams, type AlphaEditState } from '../models/editing/alphaedit.ts';
import { WeightHistory } from '../models/editing/history.ts';
import { cachedEigen, nullSpaceFromEigen, type NullSpace } from '../models/editing/nullspace.ts';
import { MemoryStatsStore, type StatsKey, type StoredStats } from '../models/editing/stats-cache.ts';
import { loadGpt2TokenizerFromDir } from '../models/tokenizer/tokenizer-node.ts';
import { expectAfter, expectChecksumsByName, expectClose, expectWeightsByName, freshModel, layerStats, methods, multiLayerHparams, rel, templates, TOL } from './helpers/methods-fixture.ts';

const tok = loadGpt2TokenizerFromDir();
const fx = methods.methods.alphaedit;

class CountingStore extends MemoryStatsStore {
  gets = 0;
  puts = 0;
  override async get(key: StatsKey) {
    this.gets++;
    return super.get(key);
  }
  override async put(key: StatsKey, s: StoredStats) {
    this.puts++;
    return super.put(key, s);
  }
}

async function projectors(stats: Map<number, Float64Array>, store: CountingStore | null = null): Promise<Map<number, NullSpace>> {
  const out = new Map<number, NullSpace>();
  for (const [l, C] of stats) {
    const key: StatsKey = { modelId: 'tiny-gpt2', layer: l, corpusId: 'rome.json#covariance', tokenCount: 1280, mom2Dtype: 'float32' };
    const eig = await cachedEigen(store, store ? key : null, C, 256);
    out.set(l, nullSpaceFromEigen(eig, fx.hparams.nullspace_threshold));
  }
  return out;
}

// A shared CPU runs these slowly: minutes, not the default two.
describe('AlphaEdit on WebGPU matches methods.json', { timeout: 900_000 }, () => {
  it('projectors: spectrum of C, rank, the eigenvalues either side of the threshold; cached once per layer', async () => {
    const model = await freshModel();
    const stats = await layerStats(model, fx.hparams.layers);
    const store = new CountingStore();
    const ps = await projectors(stats, store);
    expect(store.puts).toBe(2);
    for (const [l, P] of ps) {
      const want = fx.projectors[String(l)];
      expect(P.rank).toBe(want.rank);
      expect(rel(P.below, want.nearest_singular_value_below)).toBeLessThan(1e-4);
      expect(rel(P.above, want.nearest_singular_value_above)).toBeLessThan(1e-4);
    }
    const eig = await cachedEigen(store, { modelId: 'tiny-gpt2', layer: 1, corpusId: 'rome.json#covariance', tokenCount: 1280, mom2Dtype: 'float32' }, stats.get(1)!, 256);
    expectClose(Array.from(eig.values).reverse(), methods.covariance.layers['1'].singular_values_descending, 'spectrum', 1e-5);
    // The second projector of a layer comes from the cache: no new entry.
    await projectors(stats, store);
    expect(store.puts).toBe(2);
  });

  for (const name of ['single', 'batch', 'sequential'] as const) {
    it(`${name}: z, keys, per-layer ΔW, Kp, final weights, NLLs and ppl`, async () => {
      const model = await freshModel();
      const hp: AlphaEditHparams = { ...multiLayerHparams(fx.hparams), nullspace_threshold: fx.hparams.nullspace_threshold, L2: fx.hparams.L2 };
      const stats = await layerStats(model, hp.layers);
      let state: AlphaEditState = { projectors: await projectors(stats), kp: new Map() };
      const history = new WeightHistory(model);
      const c = fx.cases[name];
      for (const step of c.steps) {
        const reqs = step.request_indices.map((i: number) => c.requests[i]);
        const up = await computeAlphaEdit(model, tok, reqs, templates, hp, state, history);
        up.z.forEach((z, r) => {
          const want = step.z[r];
          z.losses.forEach((l, i) => expect(rel(l, want.losses[i]), `z loss ${i}`).toBeLessThan(TOL));
          expectClose(z.vStar, want.z, 'z');
        });
        up.layers.forEach((L, i) => {
          const want = step.layers[i];
          expect(L.layer).toBe(want.layer);
          expect(L.extra?.P_rank).toBe(want.P_rank);
          if (want.kp_trace_before === 0) expect(L.extra?.kp_trace_before).toBe(0);
          else expect(rel(L.extra!.kp_trace_before!, want.kp_trace_before)).toBeLessThan(TOL);
          L.keys.forEach((k, j) => expectClose(k, want.keys[j], `layer ${L.layer} key ${j}`));
          L.resid.forEach((v, j) => expectClose(v, want.resid[j], 'resid'));
          L.adj.forEach((v, j) => expectClose(v, want.adj_k[j], 'adj'));
          expect(rel(L.deltaFro, want.delta_matrix_fro)).toBeLessThan(TOL);
        });
        for (const [l, rec] of Object.entries(step.kp_update) as [string, { keys_after: number[][]; kp_trace_after: number }][]) {
          up.kpKeys.get(Number(l))!.forEach((k, j) => expectClose(k, rec.keys_after[j]!, 'Kp key'));
          expect(rel(kpTrace(up.kpAfter.get(Number(l))!), rec.kp_trace_after)).toBeLessThan(TOL);
        }
        // The state given in is untouched (undo restores it by keeping the old one).
        for (const [l, kp] of state.kp) expect(kp).not.toBe(up.kpAfter.get(l));
        state = { ...state, kp: up.kpAfter };
        await expectChecksumsByName(model, step.c_proj_checksums_after);
      }
      await expectWeightsByName(model, c.final.c_proj_weights);
      await expectAfter(model, c.final.nll_after, c.final.ppl_after);
    });
  }
});
