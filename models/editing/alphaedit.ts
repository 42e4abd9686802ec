// AlphaEdit (Fang et al., ICLR 2025; jianghoucheng/AlphaEdit AlphaEdit_main.py,
// methods.md): MEMIT's z, keys and residual spreading, with the update kept in
// the null space of the preserved keys:
//   ΔW_l = (P_l (K Kᵀ + Kp_l) + α I)⁻¹ P_l K · residᵀ
// P_l = U₀U₀ᵀ from the unedited C_l (nullspace.ts); Kp_l = Σ K′K′ᵀ over the
// keys of earlier calls, each measured on the model after its call. The system
// is not symmetric: LU in float64 on the CPU (lu.ts), cooperatively.
// Memory at GPT-2-XL (f = 6400), per edited layer, all float64: Kp 328 MB,
// the system matrix 328 MB (factored in place), P·S 328 MB transient, U₀
// 51 KB per null-space dimension; the dense P (328 MB) is never formed.
import type { Gpt2Model } from '../gpt2/model.ts';
import type { Gpt2Tokenizer } from '../tokenizer/gpt2-tokenizer.ts';
import type { EditRunOptions } from './edit-progress.ts';
import type { WeightHistory } from './history.ts';
import { luAsync, luSolve } from './lu.ts';
import { averagedKeys, runMultiLayerEdit, standaloneEdit, type ApplyDeltas, type LayerSolver, type MultiLayerHparams, type MultiLayerUpdate } from './memit-core.ts';
import { projectorApply, projectorTimes, type NullSpace } from './nullspace.ts';
import type { VRequest } from './v-star.ts';

export interface AlphaEditHparams extends MultiLayerHparams {
  /** Eigenvalues of C below this span the null space. */
  nullspace_threshold: number;
  /** α, the ridge of the projected system. */
  L2: number;
}

/** What AlphaEdit carries from one call to the next: per layer P (fixed) and Kp (grows). */
export interface AlphaEditState {
  projectors: ReadonlyMap<number, NullSpace>;
  /** Kp_l = Σ K′K′ᵀ, row-major f×f; absent = 0. Never mutated: each call returns new ones. */
  kp: ReadonlyMap<number, Float64Array>;
}

export interface AlphaEditUpdate extends MultiLayerUpdate {
  /** Kp after this call (new arrays; the input state is untouched, so undo restores it). */
  kpAfter: Map<number, Float64Array>;
  /** Per layer: the keys K′ added to Kp, measured on the edited model. */
  kpKeys: Map<number, Float64Array[]>;
}

export function trace(m: Float64Array, n: number): number {
  let t = 0;
  for (let i = 0; i < n; i++) t += m[i * n + i]!;
  return t;
}

export function alphaEditSolver(state: AlphaEditState, alpha: number, threshold: number): LayerSolver {
  if (!(alpha >= 0) || !Number.isFinite(alpha)) throw new Error(`L2 must be a number ≥ 0, got ${alpha}`);
  return async ({ layer, keys }, opts) => {
    const P = state.projectors.get(layer);
    if (!P) throw new Error(`AlphaEdit needs the null-space projector of layer ${layer}`);
    if (P.threshold !== threshold) throw new Error(`the projector of layer ${layer} was cut at ${P.threshold}, the settings say ${threshold}`);
    const f = keys[0]!.length;
    if (P.dim !== f) throw new Error(`the projector of layer ${layer} is ${P.dim}-dimensional, the keys ${f}`);
    const kp = state.kp.get(layer);
    // S = K Kᵀ + Kp (symmetric).
    const S = kp ? Float64Array.from(kp) : new Float64Array(f * f);
    for (const k of keys)
      for (let a = 0; a < f; a++) {
        const ka = k[a]!;
        if (ka === 0) continue;
        const row = a * f;
        for (let b = 0; b < f; b++) S[row + b]! += ka * k[b]!;
      }
    const M = projectorTimes(P, S);
    for (let i = 0; i < f; i++) M[i * f + i]! += alpha;
    const factor = await luAsync(M, f, {
      overwrite: true,
      signal: opts.signal,
      onProgress: (fr) => opts.onProgress?.({ stage: 'solve', done: fr, total: 1, detail: `layer ${layer}` }),
    });
    const adj = luSolve(factor, keys.map((k) => projectorApply(P, k)));
    return { adj, extra: { P_rank: P.rank, kp_trace_before: kp ? trace(kp, f) : 0 } };
  };
}

export async function computeAlphaEdit(
  model: Gpt2Model,
  tok: Gpt2Tokenizer,
  requests: readonly VRequest[],
  contextTemplates: readonly string[],
  hp: AlphaEditHparams,
  state: AlphaEditState,
  history: WeightHistory,
  opts: EditRunOptions & { apply?: boolean } = {},
): Promise<AlphaEditUpdate> {
  return standaloneEdit(history, opts.apply, (apply) => runAlphaEdit(model, tok, requests, contextTemplates, hp, state, apply, opts));
}

/**
 * One AlphaEdit call through `apply` (the Lab's ctx.apply, or history.extend):
 * MEMIT's loop with the projected solve, then the edited layers' keys on the
 * edited model, which join Kp (returned, not stored: the caller keeps it).
 */
export async function runAlphaEdit(
  model: Gpt2Model,
  tok: Gpt2Tokenizer,
  requests: readonly VRequest[],
  contextTemplates: readonly string[],
  hp: AlphaEditHparams,
  state: AlphaEditState,
  apply: ApplyDeltas,
  opts: EditRunOptions = {},
): Promise<AlphaEditUpdate> {
  const up = await runMultiLayerEdit(model, tok, requests, contextTemplates, hp, alphaEditSolver(state, hp.L2, hp.nullspace_threshold), apply, opts);
  const f = model.config.nInner;
  const kpAfter = new Map<number, Float64Array>();
  const kpKeys = new Map<number, Float64Array[]>();
  for (const layer of hp.layers) {
    opts.signal?.throwIfAborted();
    opts.onProgress?.({ stage: 'keys', done: 0, total: 1, detail: `Kp of layer ${layer}` });
    const { keys } = await averagedKeys(model, tok, requests, contextTemplates, layer);
    const kp = state.kp.get(layer);
    const next = kp ? Float64Array.from(kp) : new Float64Array(f * f);
    for (const k of keys)
      for (let a = 0; a < f; a++) {
        const ka = k[a]!;
        const row = a * f;
        for (let b = 0; b < f; b++) next[row + b]! += ka * k[b]!;
      }
    kpAfter.set(layer, next);
    kpKeys.set(layer, keys);
  }
  for (const [l, kp] of state.kp) if (!kpAfter.has(l)) kpAfter.set(l, kp);
  return { ...up, kpAfter, kpKeys };
}
