// MEMIT (Meng et al. 2023; kmeng01/memit memit_main.py, methods.md): z at the
// last edit layer's block output, then per layer (in order)
//   ΔW_l = (λ·C_l + K Kᵀ)⁻¹ K · residᵀ,   resid = (Z − cur_Z) / (m − i)
// with λ = mom2_update_weight and C_l the unedited model's key statistics.
// The f×f system is symmetric positive definite: solved in float64 on the CPU
// with the Cholesky code ROME uses, cooperatively (progress, cancel).
import type { Gpt2Model } from '../gpt2/model.ts';
import type { Gpt2Tokenizer } from '../tokenizer/gpt2-tokenizer.ts';
import { choleskyAsync, solve } from './cholesky.ts';
import type { EditRunOptions } from './edit-progress.ts';
import type { WeightHistory } from './history.ts';
import { runMultiLayerEdit, standaloneEdit, type LayerSolver, type MultiLayerHparams, type MultiLayerUpdate } from './memit-core.ts';
import type { EditRequest } from '../experiment.ts';
import { prepareRequest } from './prepared.ts';

export interface MemitHparams extends MultiLayerHparams {
  /** λ, the weight of the preserved keys' statistics C against the new keys. */
  mom2_update_weight: number;
}

/** C_l per edited layer (row-major f×f, from the unedited model). */
export type LayerStatsMap = ReadonlyMap<number, Float64Array | Float32Array>;

export function memitSolver(stats: LayerStatsMap, lambda: number): LayerSolver {
  if (!(lambda > 0) || !Number.isFinite(lambda)) throw new Error(`mom2_update_weight must be a positive number, got ${lambda}`);
  return async ({ layer, keys }, opts) => {
    const C = stats.get(layer);
    if (!C) throw new Error(`MEMIT needs the key statistics C of layer ${layer}`);
    const f = keys[0]!.length;
    if (C.length !== f * f) throw new Error(`the statistics of layer ${layer} are ${Math.sqrt(C.length)}², the keys ${f} long`);
    // A = λC + K Kᵀ (lower triangle is all Cholesky reads).
    const A = new Float64Array(f * f);
    for (let a = 0; a < f; a++) {
      const row = a * f;
      for (let b = 0; b <= a; b++) A[row + b] = lambda * C[row + b]!;
      for (const k of keys) {
        const ka = k[a]!;
        for (let b = 0; b <= a; b++) A[row + b]! += ka * k[b]!;
      }
    }
    const factor = await choleskyAsync(A, f, {
      overwrite: true,
      signal: opts.signal,
      onProgress: (fr) => opts.onProgress?.({ stage: 'solve', done: fr, total: 1, detail: `layer ${layer}` }),
    });
    return { adj: solve(factor, keys) };
  };
}

export async function computeMemit(
  model: Gpt2Model,
  tok: Gpt2Tokenizer,
  requests: readonly EditRequest[],
  contextTemplates: readonly string[],
  hp: MemitHparams,
  stats: LayerStatsMap,
  history: WeightHistory,
  opts: EditRunOptions & { apply?: boolean } = {},
): Promise<MultiLayerUpdate> {
  return standaloneEdit(history, opts.apply, (apply) => runMultiLayerEdit(model, requests.map((r) => prepareRequest(tok, r)), contextTemplates, hp, memitSolver(stats, hp.mom2_update_weight), apply, opts));
}
