// AlphaEdit (Fang et al., ICLR 2025; jianghoucheng/AlphaEdit AlphaEdit_main.py,
// methods.md): MEMIT's z, keys and residual spreading, with the update kept in
// the null space of the preserved keys:
//   ΔW_l = (P_l (K Kᵀ + Kp_l) + α I)⁻¹ P_l K · residᵀ
// P_l = U₀U₀ᵀ from the unedited C_l (nullspace.ts); Kp_l = Σ K′K′ᵀ over the
// keys of earlier calls, each measured on the model after its call. The system
// is not symmetric: LU in float64 on the CPU (lu.ts).
// Kp is kept as its keys, and while they are fewer than f/2 the solve goes
// through the Woodbury identity on an N×N system (N = keys so far), never
// forming an f×f matrix. Past that, the dense system is cheaper: Σkkᵀ, P·S in
// factored form and an LU, each f×f float64 (328 MB at GPT-2-XL's f = 6400).
// U₀ is 51 KB per null-space dimension; the dense P (328 MB) is never formed.
import type { Gpt2Model } from '../gpt2/model.ts';
import type { Gpt2Tokenizer } from '../tokenizer/gpt2-tokenizer.ts';
import type { EditRunOptions } from './edit-progress.ts';
import type { WeightHistory } from './history.ts';
import { lu, luAsync, luSolve } from './lu.ts';
import { averagedKeys, runMultiLayerEdit, standaloneEdit, type ApplyDeltas, type LayerSolver, type MultiLayerHparams, type MultiLayerUpdate } from './memit-core.ts';
import { projectorApply, projectorTimes, type NullSpace } from './nullspace.ts';
import type { EditRequest } from '../experiment.ts';
import { prepareRequest, type PreparedRequest } from './prepared.ts';

export interface AlphaEditHparams extends MultiLayerHparams {
  /** Eigenvalues of C below this span the null space. */
  nullspace_threshold: number;
  /** α, the ridge of the projected system. */
  L2: number;
}

/** What AlphaEdit carries from one call to the next: per layer P (fixed) and Kp (grows). */
export interface AlphaEditState {
  projectors: ReadonlyMap<number, NullSpace>;
  /**
   * Kp_l = Σ k′k′ᵀ, kept as its keys k′ (f each; absent = none): N·f numbers
   * instead of f², and the solve below works from them. Never mutated: each
   * call returns new lists, so undo restores the old state by keeping it.
   */
  kp: ReadonlyMap<number, readonly Float64Array[]>;
}

export interface AlphaEditUpdate extends MultiLayerUpdate {
  /** Kp's keys after this call, per layer (new lists; the input state is untouched). */
  kpAfter: Map<number, Float64Array[]>;
  /** Per layer: the keys K′ added to Kp, measured on the edited model. */
  kpKeys: Map<number, Float64Array[]>;
}

export function trace(m: Float64Array, n: number): number {
  let t = 0;
  for (let i = 0; i < n; i++) t += m[i * n + i]!;
  return t;
}

const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
};

/** trace(Kp) = Σ ‖k′‖². */
export const kpTrace = (keys: readonly Float64Array[]) => keys.reduce((t, k) => t + dot(k, k), 0);

/**
 * adj = (P·B Bᵀ + αI)⁻¹ P K, B = [Kp's keys, K] (f × N), by Woodbury: with
 * A = P·B, (αI + A Bᵀ)⁻¹ = (I − A (αI_N + BᵀA)⁻¹ Bᵀ)/α, so
 * adj = (Y − A·(αI_N + BᵀA)⁻¹ BᵀY)/α with Y = P K (the last n columns of A).
 * Cost N·(2rf + Nf) + N³ instead of the dense path's 4rf² + ⅔f³: at GPT-2 XL
 * (f = 6400, r ≈ 3200) and N = 100 keys, about 10⁵ times less work.
 */
export function woodburySolve(P: NullSpace, kpKeys: readonly Float64Array[], keys: readonly Float64Array[], alpha: number): Float64Array[] {
  const B = [...kpKeys, ...keys];
  const N = B.length;
  const A = B.map((b) => projectorApply(P, b));
  const G = new Float64Array(N * N);
  for (let i = 0; i < N; i++) for (let j = 0; j < N; j++) G[i * N + j] = dot(B[i]!, A[j]!) + (i === j ? alpha : 0);
  const Y = A.slice(N - keys.length);
  const X = luSolve(lu(G, N, { overwrite: true }), Y.map((y) => Float64Array.from(B, (b) => dot(b, y))));
  return Y.map((y, j) => {
    const out = Float64Array.from(y);
    for (let i = 0; i < N; i++) {
      const c = X[j]![i]!;
      const a = A[i]!;
      for (let x = 0; x < out.length; x++) out[x]! -= c * a[x]!;
    }
    return out.map((v) => v / alpha);
  });
}

/** The same system formed densely: S = Σ b bᵀ, P·S in factored form, + αI, LU (cooperatively). */
export async function denseSolve(P: NullSpace, kpKeys: readonly Float64Array[], keys: readonly Float64Array[], alpha: number, opts: EditRunOptions & { layer?: number } = {}): Promise<Float64Array[]> {
  const f = P.dim;
  const S = new Float64Array(f * f);
  for (const k of [...kpKeys, ...keys])
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
    onProgress: (fr) => opts.onProgress?.({ stage: 'solve', done: fr, total: 1, detail: `layer ${opts.layer}` }),
  });
  return luSolve(factor, keys.map((k) => projectorApply(P, k)));
}

export function alphaEditSolver(state: AlphaEditState, alpha: number, threshold: number): LayerSolver {
  if (!(alpha >= 0) || !Number.isFinite(alpha)) throw new Error(`L2 must be a number ≥ 0, got ${alpha}`);
  return async ({ layer, keys }, opts) => {
    const P = state.projectors.get(layer);
    if (!P) throw new Error(`AlphaEdit needs the null-space projector of layer ${layer}`);
    if (P.threshold !== threshold) throw new Error(`the projector of layer ${layer} was cut at ${P.threshold}, the settings say ${threshold}`);
    const f = keys[0]!.length;
    if (P.dim !== f) throw new Error(`the projector of layer ${layer} is ${P.dim}-dimensional, the keys ${f}`);
    const kp = state.kp.get(layer) ?? [];
    // Woodbury while the keys are few against f (and α > 0); past f/2 keys the dense f×f system is cheaper.
    const woodbury = alpha > 0 && kp.length + keys.length <= f / 2;
    const adj = woodbury ? woodburySolve(P, kp, keys, alpha) : await denseSolve(P, kp, keys, alpha, { ...opts, layer });
    return { adj, extra: { P_rank: P.rank, kp_trace_before: kpTrace(kp), kp_keys_before: kp.length } };
  };
}

export async function computeAlphaEdit(
  model: Gpt2Model,
  tok: Gpt2Tokenizer,
  requests: readonly EditRequest[],
  contextTemplates: readonly string[],
  hp: AlphaEditHparams,
  state: AlphaEditState,
  history: WeightHistory,
  opts: EditRunOptions & { apply?: boolean } = {},
): Promise<AlphaEditUpdate> {
  return standaloneEdit(history, opts.apply, (apply) => runAlphaEdit(model, requests.map((r) => prepareRequest(tok, r)), contextTemplates, hp, state, apply, opts));
}

/**
 * One AlphaEdit call through `apply` (the Lab's ctx.apply, or history.extend):
 * MEMIT's loop with the projected solve, then the edited layers' keys on the
 * edited model, which join Kp (returned, not stored: the caller keeps it).
 */
export async function runAlphaEdit(
  model: Gpt2Model,
  requests: readonly PreparedRequest[],
  contextTemplates: readonly string[],
  hp: AlphaEditHparams,
  state: AlphaEditState,
  apply: ApplyDeltas,
  opts: EditRunOptions = {},
): Promise<AlphaEditUpdate> {
  const up = await runMultiLayerEdit(model, requests, contextTemplates, hp, alphaEditSolver(state, hp.L2, hp.nullspace_threshold), apply, opts);
  const kpAfter = new Map<number, Float64Array[]>();
  const kpKeys = new Map<number, Float64Array[]>();
  for (const layer of hp.layers) {
    opts.signal?.throwIfAborted();
    opts.onProgress?.({ stage: 'keys', done: 0, total: 1, detail: `Kp of layer ${layer}` });
    const { keys } = await averagedKeys(model, requests, contextTemplates, layer);
    kpAfter.set(layer, [...(state.kp.get(layer) ?? []), ...keys]);
    kpKeys.set(layer, keys);
  }
  for (const [l, kp] of state.kp) if (!kpAfter.has(l)) kpAfter.set(l, [...kp]);
  return { ...up, kpAfter, kpKeys };
}
