// What MEMIT and AlphaEdit share (memit_main.py / AlphaEdit_main.py, methods.md):
// the targets z at the last edit layer's block output, the template-averaged
// keys, and the layer-by-layer loop that spreads the residual R = Z − cur_Z
// over the remaining layers. The methods differ only in how a layer turns its
// keys K and residual share into ΔW = adj·residᵀ (memit.ts: (λC + KKᵀ)⁻¹K;
// alphaedit.ts: the null-space projected solve). Each layer's update is applied
// at once (the next layer's keys see it) through `apply`, which adds it to the
// edit's deltas in the history: an edit is the list of its per-layer deltas and
// undo replays them bit-exactly. The caller (the Lab, or WeightHistory.record)
// opens the edit and takes it off again if the call fails or is cancelled.
import type { Gpt2Model } from '../gpt2/model.ts';
import type { EditRunOptions } from './edit-progress.ts';
import { cProjWeight, type EditDeltas, type RankOneDelta, type WeightHistory } from './history.ts';
import { keysAt } from './keys.ts';
import type { KeyContext, PreparedRequest } from './prepared.ts';
import type { RomeHparams } from './rome-hparams.ts';
import { computeVStar, type VStarResult } from './v-star.ts';

/** The v* knobs (rome.md step 5) plus the edited layers; z is optimised at the last one. */
export interface MultiLayerHparams extends Omit<RomeHparams, 'layer'> {
  layers: number[];
}

export interface LayerSolution {
  /** adj, one column of length 4d per request: ΔW = Σ_j adj_j ⊗ resid_j. */
  adj: Float64Array[];
  /** Method-specific numbers for the diagnostics (AlphaEdit: P's rank, Kp's trace). */
  extra?: Record<string, number>;
}

/** Turns a layer's keys into adj (K: one key of length 4d per request). */
export type LayerSolver = (args: { i: number; layer: number; keys: Float64Array[]; resid: Float64Array[] }, opts: EditRunOptions) => Promise<LayerSolution>;

export interface LayerStep {
  layer: number;
  /** i: position in the layer list. */
  index: number;
  /** m − i: the share of the residual this layer takes on. */
  divisor: number;
  /** Column j of K: request j's key, ½·key("{}") + ½·mean(prefixed keys). */
  keys: Float64Array[];
  /** Per request: [key("{}"), mean of the prefixed keys] (one entry per non-empty group). */
  keyGroupMeans: Float64Array[][];
  /** Block-L output at the subject's last token of the bare prompt, with this layer's incoming weights. */
  curZ: Float64Array[];
  /** R = z − cur_z. */
  residual: Float64Array[];
  /** R / (m − i). */
  resid: Float64Array[];
  adj: Float64Array[];
  /** ΔW = adj·residᵀ as applied: one f32 rank-one delta per request (adj_j ⊗ resid_j). */
  deltas: RankOneDelta[];
  deltaFro: number;
  deltaSum: number;
  deltaMaxAbs: number;
  extra?: Record<string, number>;
}

export interface MultiLayerUpdate {
  zLayer: number;
  /** Per request: the z optimisation (vStar is z; targetInit the block output). */
  z: VStarResult[];
  layers: LayerStep[];
  /** Every layer's deltas, in the order applied (the whole edit). */
  deltas: RankOneDelta[];
}

export function checkLayers(layers: readonly number[], nLayer: number): void {
  if (layers.length === 0) throw new Error('at least one layer must be edited');
  layers.forEach((l, i) => {
    if (!Number.isInteger(l) || l < 0 || l >= nLayer) throw new Error(`layer ${l} does not exist in a ${nLayer}-layer model`);
    if (i > 0 && l <= layers[i - 1]!) throw new Error(`layers must be distinct and increasing, got [${layers.join(', ')}]`);
  });
}

/** The requests' averaged keys at `layer` and their block-`zLayer` outputs at the bare prompt, from the current weights. */
export async function averagedKeys(
  model: Gpt2Model,
  requests: readonly PreparedRequest[],
  contextTemplates: readonly string[],
  layer: number,
  zLayer?: number,
): Promise<{ keys: Float64Array[]; groupMeans: Float64Array[][]; curZ: Float64Array[]; contexts: KeyContext[][] }> {
  const contexts = requests.map((r) => r.contexts(contextTemplates));
  const acts = await keysAt(
    model,
    layer,
    contexts.flat().map((c) => ({ ids: c.ids, index: c.index })),
    zLayer === undefined ? {} : { residualAfter: zLayer },
  );
  const nT = contextTemplates.length;
  const keys: Float64Array[] = [];
  const groupMeans: Float64Array[][] = [];
  const curZ: Float64Array[] = [];
  requests.forEach((_, r) => {
    const ks = acts.keys.slice(r * nT, (r + 1) * nT);
    // memit compute_ks: groups [["{}"], [prefixed…]]; the key is the mean of the group means.
    const groups = [ks.slice(0, 1), ks.slice(1)].filter((g) => g.length > 0).map(mean);
    groupMeans.push(groups);
    keys.push(mean(groups));
    if (acts.residual) curZ.push(Float64Array.from(acts.residual[r * nT]!));
  });
  return { keys, groupMeans, curZ, contexts };
}

/** Adds deltas to the model as part of the edit being made (history.extend, or the Lab's ctx.apply). */
export type ApplyDeltas = (deltas: EditDeltas) => Promise<void>;

/**
 * One MEMIT-style call: z for every request on the model as it is, then per
 * layer (in order) keys, cur_z, resid = (z − cur_z)/(m − i), adj from `solve`,
 * and ΔW = adj·residᵀ handed to `apply` at once.
 */
export async function runMultiLayerEdit(
  model: Gpt2Model,
  requests: readonly PreparedRequest[],
  contextTemplates: readonly string[],
  hp: MultiLayerHparams,
  solve: LayerSolver,
  apply: ApplyDeltas,
  opts: EditRunOptions = {},
): Promise<MultiLayerUpdate> {
  const { config } = model;
  if (requests.length === 0) throw new Error('no requests to edit');
  if (contextTemplates[0] !== '{}') throw new Error('the first context template must be "{}"');
  checkLayers(hp.layers, config.nLayer);
  const zLayer = hp.layers[hp.layers.length - 1]!;
  const m = hp.layers.length;
  const f = config.nInner;
  // z: every request's target on the model as it was at the start of the call.
  const z: VStarResult[] = [];
  for (let r = 0; r < requests.length; r++) {
    opts.signal?.throwIfAborted();
    opts.onProgress?.({ stage: 'z', done: r, total: requests.length, detail: requests[r]!.request.subject });
    z.push(
      await computeVStar(model, requests[r]!, contextTemplates, { ...hp, layer: zLayer }, {
        signal: opts.signal,
        at: 'block-out',
        onStep: (it, loss) => opts.onStep?.(r, it, loss),
      }),
    );
  }
  opts.onProgress?.({ stage: 'z', done: requests.length, total: requests.length });

  const steps: LayerStep[] = [];
  for (let i = 0; i < m; i++) {
    const layer = hp.layers[i]!;
    opts.signal?.throwIfAborted();
    opts.onProgress?.({ stage: 'keys', done: i, total: m, detail: `layer ${layer}` });
    const { keys, groupMeans, curZ } = await averagedKeys(model, requests, contextTemplates, layer, zLayer);
    const residual = curZ.map((c, j) => z[j]!.vStar.map((x, b) => x - c[b]!));
    const resid = residual.map((rr) => rr.map((x) => x / (m - i)));
    opts.onProgress?.({ stage: 'solve', done: i, total: m, detail: `layer ${layer}` });
    const sol = await solve({ i, layer, keys, resid }, opts);
    opts.signal?.throwIfAborted();
    const deltas: RankOneDelta[] = sol.adj.map((a, j) => {
      if (a.length !== f) throw new Error(`layer ${layer}: the solve returned a column of ${a.length}, want ${f}`);
      return { param: cProjWeight(layer), u: Float32Array.from(a), right: Float32Array.from(resid[j]!) };
    });
    opts.onProgress?.({ stage: 'apply', done: i, total: m, detail: `layer ${layer}` });
    await apply(deltas);
    steps.push({ layer, index: i, divisor: m - i, keys, keyGroupMeans: groupMeans, curZ, residual, resid, adj: sol.adj, deltas, ...lowRankStats(sol.adj, resid), ...(sol.extra ? { extra: sol.extra } : {}) });
  }
  opts.onProgress?.({ stage: 'apply', done: m, total: m });
  return { zLayer, z, layers: steps, deltas: steps.flatMap((s) => s.deltas) };
}

/**
 * An edit outside the Lab (tests, the benchmark): one new edit in `history`,
 * taken off again on failure; with `keep` false also afterwards, leaving the
 * model bit-exactly as it was (the caller may apply the returned deltas later).
 */
export async function standaloneEdit<T>(history: WeightHistory, keep: boolean | undefined, fn: (apply: ApplyDeltas) => Promise<T>): Promise<T> {
  const start = history.edits.length;
  const out = await history.record(fn);
  if (keep === false) history.truncate(start);
  return out;
}

/** ‖ΔW‖_F, Σ ΔW and max |ΔW| of ΔW = Σ_j a_j ⊗ r_j, in float64. */
export function lowRankStats(a: readonly Float64Array[], r: readonly Float64Array[]): { deltaFro: number; deltaSum: number; deltaMaxAbs: number } {
  const f = a[0]!.length;
  const d = r[0]!.length;
  const row = new Float64Array(d);
  let fro = 0;
  let sum = 0;
  let maxAbs = 0;
  for (let x = 0; x < f; x++) {
    row.fill(0);
    for (let j = 0; j < a.length; j++) {
      const ax = a[j]![x]!;
      const rj = r[j]!;
      for (let b = 0; b < d; b++) row[b]! += ax * rj[b]!;
    }
    for (let b = 0; b < d; b++) {
      const w = row[b]!;
      fro += w * w;
      sum += w;
      if (Math.abs(w) > maxAbs) maxAbs = Math.abs(w);
    }
  }
  return { deltaFro: Math.sqrt(fro), deltaSum: sum, deltaMaxAbs: maxAbs };
}

export function mean(vs: readonly ArrayLike<number>[]): Float64Array {
  const out = new Float64Array(vs[0]!.length);
  for (const v of vs) for (let i = 0; i < out.length; i++) out[i]! += v[i]!;
  return out.map((x) => x / vs.length);
}
