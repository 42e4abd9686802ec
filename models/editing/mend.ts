// MEND (Mitchell et al., "Fast Model Editing at Scale", ICLR 2022; methods.md
// "MEND"): a trained editor turns the fine-tuning gradient of a few MLP
// weights into their update. For one request the target's NLL after the
// prompt runs forward and backward; each edited linear layer y = x·W gives,
// per token, the gradient's rank-one factors (u_t = x_t, δ_t = ∂loss/∂y_t).
// The editor (one per weight shape, shared by the edited layers, each layer a
// mode with its own scale and shift) maps the normalised [u_t, δ_t] to
// (ũ_t, δ̃_t), and ΔW = −η · Σ_t ũ_t ⊗ δ̃_t with a learned step η per weight.
// computeMendUpdate only reads the model; the update goes to the history as
// one rank-one delta per kept token and weight (history.ts), so every edit
// undoes exactly. The method module (methods/mend.ts) finds the editor.
import type { GpuContext } from '../gpu/context.ts';
import type { GpuTensor } from '../gpu/tensor.ts';
import { matmul } from '../kernels/matmul.ts';
import { mendInput, mendResidual } from '../kernels/mend.ts';
import { backwardTo, type MlpFactors } from '../gpt2/backward.ts';
import { releaseTape, type Gpt2Model, type Tape } from '../gpt2/model.ts';
import { parseSafetensorsHeader, tensorBytes } from '../gpt2/safetensors.ts';
import { vocabLoss } from '../gpt2/vocab-loss.ts';
import type { RankOneDelta } from './history.ts';

export type MlpWeight = 'mlp.c_fc' | 'mlp.c_proj';

/** mend_editor.json (training/mend_core.py writes it; convert_mend.py too). */
export interface MendConfig {
  format: 'mend-editor';
  version: 1;
  model: { n_layer: number; n_embd: number };
  layers: number[];
  weights: MlpWeight[];
  dims: Record<MlpWeight, [number, number]>;
  rank: number;
  n_hidden: number;
  norm_eps: number;
  heldout_fact_ids?: string[];
}

const MLP_WEIGHTS: readonly MlpWeight[] = ['mlp.c_fc', 'mlp.c_proj'];

export class MendError extends Error {
  constructor(message: string) {
    super(`MEND editor: ${message}`);
    this.name = 'MendError';
  }
}

export function parseMendConfig(json: unknown): MendConfig {
  const o = json as Partial<MendConfig> | null;
  if (!o || typeof o !== 'object' || o.format !== 'mend-editor') throw new MendError('the config is not a mend_editor.json (format must be "mend-editor")');
  if (o.version !== 1) throw new MendError(`config version ${String(o.version)} is not supported (1 is)`);
  const posInt = (v: unknown, what: string) => {
    if (!Number.isInteger(v) || (v as number) < 0) throw new MendError(`${what} must be a non-negative integer, not ${JSON.stringify(v)}`);
    return v as number;
  };
  if (!o.model) throw new MendError('the config has no model section');
  posInt(o.model.n_layer, 'model.n_layer');
  posInt(o.model.n_embd, 'model.n_embd');
  if (!Array.isArray(o.layers) || o.layers.length === 0) throw new MendError('layers must list the edited layers');
  o.layers.forEach((l) => posInt(l, 'a layer'));
  if (!Array.isArray(o.weights) || o.weights.length === 0 || !o.weights.every((w) => MLP_WEIGHTS.includes(w))) throw new MendError(`weights must be among ${MLP_WEIGHTS.join(', ')}`);
  for (const w of o.weights) if (!o.dims?.[w] || o.dims[w].length !== 2) throw new MendError(`dims has no [in, out] for ${w}`);
  posInt(o.rank, 'rank');
  posInt(o.n_hidden, 'n_hidden');
  if (typeof o.norm_eps !== 'number' || !(o.norm_eps >= 0)) throw new MendError('norm_eps must be a non-negative number');
  return o as MendConfig;
}

interface GpuTransform {
  din: number;
  dout: number;
  /** [μ_u, σ_u, μ_δ, σ_δ] */
  stats: GpuTensor;
  layers: { u: GpuTensor; v: GpuTensor; bias: GpuTensor; scale: GpuTensor; shift: GpuTensor }[];
}

export interface MendEditor {
  config: MendConfig;
  transforms: Map<MlpWeight, GpuTransform>;
  /** η per (layer, weight), layer-major in config order: [l0.c_fc, l0.c_proj, l1.c_fc, …]. */
  editLrs: Float32Array;
}

/** The editor's tensors on the GPU, checked against the config and the model. */
export function loadMendEditor(ctx: GpuContext, config: MendConfig, file: Uint8Array, model?: { nLayer: number; nEmbd: number; nInner: number }): MendEditor {
  if (model) {
    if (config.model.n_embd !== model.nEmbd || config.model.n_layer !== model.nLayer) {
      throw new MendError(`trained for a model with ${config.model.n_layer} layers of width ${config.model.n_embd}, not ${model.nLayer} × ${model.nEmbd}`);
    }
    const dims: Record<MlpWeight, [number, number]> = { 'mlp.c_fc': [model.nEmbd, model.nInner], 'mlp.c_proj': [model.nInner, model.nEmbd] };
    for (const w of config.weights) if (config.dims[w][0] !== dims[w][0] || config.dims[w][1] !== dims[w][1]) throw new MendError(`${w} is [${config.dims[w]}] in the config, [${dims[w]}] in the model`);
    for (const l of config.layers) if (l >= model.nLayer) throw new MendError(`layer ${l} does not exist (the model has ${model.nLayer})`);
  }
  const header = parseSafetensorsHeader(file);
  const read = (name: string, shape: number[]): Float32Array => {
    const info = header.byName.get(name);
    if (!info) throw new MendError(`the safetensors has no tensor ${name}`);
    if (info.dtype !== 'F32') throw new MendError(`${name} is ${info.dtype}, F32 expected`);
    if (info.shape.join(',') !== shape.join(',')) throw new MendError(`${name} has shape [${info.shape}], [${shape}] expected`);
    const b = tensorBytes(file, info);
    return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
  };
  const nModes = config.layers.length;
  const created: GpuTensor[] = [];
  const up = (name: string, shape: number[]) => {
    const t = ctx.upload(read(name, shape), shape, 'f32', `mend.${name}`);
    created.push(t);
    return t;
  };
  try {
    const transforms = new Map<MlpWeight, GpuTransform>();
    for (const w of config.weights) {
      const [din, dout] = config.dims[w];
      const D = din + dout;
      const r = Math.min(config.rank, D);
      const stats = Float32Array.from([...read(`${w}.u_mean`, [din]), ...read(`${w}.u_std`, [din]), ...read(`${w}.v_mean`, [dout]), ...read(`${w}.v_std`, [dout])]);
      const statsT = ctx.upload(stats, [stats.length], 'f32', `mend.${w}.stats`);
      created.push(statsT);
      const layers = Array.from({ length: config.n_hidden + 1 }, (_, j) => ({
        u: up(`${w}.layers.${j}.u`, [D, r]),
        v: up(`${w}.layers.${j}.v`, [r, D]),
        bias: up(`${w}.layers.${j}.bias`, [D]),
        scale: up(`${w}.layers.${j}.mode_scale`, [nModes, D]),
        shift: up(`${w}.layers.${j}.mode_shift`, [nModes, D]),
      }));
      transforms.set(w, { din, dout, stats: statsT, layers });
    }
    const editLrs = read('edit_lrs', [config.layers.length * config.weights.length]);
    if (!editLrs.every(Number.isFinite)) throw new MendError('edit_lrs are not finite');
    return { config, transforms, editLrs };
  } catch (e) {
    ctx.release(...created);
    throw e;
  }
}

export function releaseMendEditor(ctx: GpuContext, ed: MendEditor): void {
  for (const t of ed.transforms.values()) {
    ctx.release(t.stats);
    for (const l of t.layers) ctx.release(l.u, l.v, l.bias, l.scale, l.shift);
  }
  ed.transforms.clear();
}

/** What the editor did to one weight. Matrices are row-major, one row per kept token. */
export interface MendParamUpdate {
  layer: number;
  weight: MlpWeight;
  /** Token rows whose u and δ are both nonzero (the others carry no gradient and are skipped). */
  rows: number[];
  u: Float32Array;
  delta: Float32Array;
  uTilde: Float32Array;
  deltaTilde: Float32Array;
  editLr: number;
}

export interface MendUpdate {
  /** prompt + target[:-1]: the teacher-forced edit input. */
  inputIds: number[];
  nllBefore: number;
  params: MendParamUpdate[];
  /** For the history: per weight and kept token t, u = ũ_t and right = −η·δ̃_t. */
  deltas: RankOneDelta[];
  /** ‖ΔW‖_F over all edited weights. */
  updateNorm: number;
}

export interface MendOptions {
  signal?: AbortSignal;
  /** Replaces every learned step η (the setting method.edit_lr); unset: the editor's own. */
  editLr?: number;
  /** Edit only these of the editor's layers (each keeps its own mode); unset: all of them. */
  layers?: readonly number[];
}

/** The MEND update for "prompt → target" (token ids; the target's tokens follow the prompt). */
export async function computeMendUpdate(model: Gpt2Model, editor: MendEditor, promptIds: readonly number[], targetIds: readonly number[], opts: MendOptions = {}): Promise<MendUpdate> {
  const { ctx, config: mc } = model;
  const cfg = editor.config;
  if (cfg.model.n_embd !== mc.nEmbd || cfg.model.n_layer !== mc.nLayer) throw new MendError(`trained for ${cfg.model.n_layer} × ${cfg.model.n_embd}, the model is ${mc.nLayer} × ${mc.nEmbd}`);
  if (promptIds.length === 0) throw new MendError('the prompt is empty');
  if (targetIds.length === 0) throw new MendError('the target is empty');
  const layers = opts.layers ?? cfg.layers;
  for (const l of layers) if (!cfg.layers.includes(l)) throw new MendError(`layer ${l} is not one the editor was trained for (${cfg.layers.join(', ')})`);
  if (layers.length === 0) throw new MendError('no layer to edit');
  if (opts.editLr !== undefined && !(Number.isFinite(opts.editLr) && opts.editLr >= 0)) throw new MendError(`edit_lr ${opts.editLr} must be a non-negative number`);
  const inputIds = [...promptIds, ...targetIds.slice(0, -1)];
  if (inputIds.length > mc.nPositions) throw new MendError(`prompt and target are ${inputIds.length} tokens, the model takes ${mc.nPositions}`);
  const batch = model.batch([inputIds]);
  const from = Math.min(...layers);
  const taken = new Map<number, MlpFactors>();
  const tape: Tape = { blocks: new Map() };
  let nllBefore = NaN;
  try {
    // Forward (tape from the first edited layer), the target's mean NLL, backward to the edited layers.
    const h = model.embed(batch);
    model.blocks(h, batch, 0, from);
    model.blocks(h, batch, from, mc.nLayer, undefined, tape);
    const hidden = model.finalNorm(h, tape);
    ctx.release(h);
    const Tt = targetIds.length;
    const rows = targetIds.map((t, j) => ({ row: promptIds.length - 1 + j, kind: 'nll' as const, target: t, weight: 1 / Tt }));
    const res = await vocabLoss(model, hidden, rows, { grad: true });
    nllBefore = res.loss;
    ctx.release(hidden);
    opts.signal?.throwIfAborted();
    const dIn = backwardTo(model, from, res.dHidden!, batch, tape, { layers: new Set(layers), take: (f) => taken.set(f.layer, f) });
    ctx.release(dIn, res.dHidden);
    releaseTape(ctx, tape);

    const params: MendParamUpdate[] = [];
    const deltas: RankOneDelta[] = [];
    let sq = 0;
    for (const [mode, layer] of cfg.layers.entries()) {
      if (!layers.includes(layer)) continue;
      const f = taken.get(layer)!;
      for (const weight of cfg.weights) {
        opts.signal?.throwIfAborted();
        const { x, dy } = weight === 'mlp.c_fc' ? f.fc : f.proj;
        const p = await transform(ctx, editor, weight, mode, x, dy);
        const editLr = opts.editLr ?? editor.editLrs[mode * cfg.weights.length + cfg.weights.indexOf(weight)]!;
        params.push({ layer, weight, ...p, editLr });
        const [din, dout] = cfg.dims[weight];
        const rights: Float32Array[] = [];
        for (let k = 0; k < p.rows.length; k++) {
          const right = p.deltaTilde.slice(k * dout, (k + 1) * dout).map((v) => -editLr * v);
          rights.push(right);
          deltas.push({ param: `h.${layer}.${weight}.weight`, u: p.uTilde.slice(k * din, (k + 1) * din), right });
        }
        sq += lowRankFroSq(p.uTilde, rights, din);
      }
    }
    return { inputIds, nllBefore, params, deltas, updateNorm: Math.sqrt(sq) };
  } finally {
    releaseTape(ctx, tape);
    for (const f of taken.values()) ctx.release(f.fc.x, f.fc.dy, f.proj.x, f.proj.dy);
    ctx.release(batch.ids);
  }
}

/** The editor on one weight's factors: keep tokens with a gradient, normalise, the residual low-rank MLP, split. */
async function transform(ctx: GpuContext, editor: MendEditor, weight: MlpWeight, mode: number, x: GpuTensor, dy: GpuTensor) {
  const t = editor.transforms.get(weight)!;
  const { din, dout } = t;
  const u = await ctx.downloadF32(x);
  const d = await ctx.downloadF32(dy);
  const T = u.length / din;
  const rows: number[] = [];
  const nonzero = (a: Float32Array, r: number, w: number) => a.subarray(r * w, (r + 1) * w).some((v) => v !== 0);
  for (let r = 0; r < T; r++) if (nonzero(u, r, din) && nonzero(d, r, dout)) rows.push(r);
  if (rows.length === 0) throw new MendError(`no token has a gradient at ${weight}: the target's loss does not reach it`);
  const rowsT = ctx.upload(Uint32Array.from(rows), [rows.length], 'u32', 'mend.rows');
  const h = mendInput(ctx, x, dy, rowsT, t.stats, editor.config.norm_eps);
  for (const l of t.layers) {
    const a = matmul(ctx, h, l.v, { transB: true });
    const pre = matmul(ctx, a, l.u, { transB: true, bias: l.bias });
    mendResidual(ctx, h, pre, l.scale, l.shift, mode);
    ctx.release(a, pre);
  }
  const out = await ctx.downloadF32(h);
  ctx.release(rowsT, h);
  const D = din + dout;
  const n = rows.length;
  const uTilde = new Float32Array(n * din);
  const deltaTilde = new Float32Array(n * dout);
  const uKept = new Float32Array(n * din);
  const dKept = new Float32Array(n * dout);
  rows.forEach((r, k) => {
    uTilde.set(out.subarray(k * D, k * D + din), k * din);
    deltaTilde.set(out.subarray(k * D + din, (k + 1) * D), k * dout);
    uKept.set(u.subarray(r * din, (r + 1) * din), k * din);
    dKept.set(d.subarray(r * dout, (r + 1) * dout), k * dout);
  });
  return { rows, u: uKept, delta: dKept, uTilde, deltaTilde };
}

/** ‖Σ_k u_k ⊗ r_k‖²_F = Σ_{k,l} (u_k·u_l)(r_k·r_l), in float64; u: [n, din] row-major. */
function lowRankFroSq(u: Float32Array, rights: Float32Array[], din: number): number {
  const dot = (a: ArrayLike<number>, ao: number, b: ArrayLike<number>, bo: number, n: number) => {
    let s = 0;
    for (let i = 0; i < n; i++) s += a[ao + i]! * b[bo + i]!;
    return s;
  };
  let s = 0;
  for (let k = 0; k < rights.length; k++)
    for (let l = 0; l < rights.length; l++) s += dot(u, k * din, u, l * din, din) * dot(rights[k]!, 0, rights[l]!, 0, rights[k]!.length);
  return s;
}
