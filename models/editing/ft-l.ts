// FT-L∞: constrained fine-tuning (kmeng01/rome baselines/ft/ft_main.py with
// norm_constraint; methods.md). The chosen layers' c_proj weight and bias are
// trained with Adam on a bag-of-target-tokens loss at the last prompt position,
//   loss = mean over requests of −(1/Tt) Σ_j log p(target_j | prompt)   (all j at position T−1),
// and after every iteration each element is clamped to [θ₀ − ε, θ₀ + ε], θ₀
// being the weights at the start of the call. Forward and backward run on the
// GPU (weight gradients: backward.ts mlpProjGrads); Adam and the clamp run on
// the CPU in float64 over the parameters. The training uses scratch copies of
// the parameters; the model is then changed only through the history, by the
// dense ΔW and Δb (exact undo).
import { addInto } from '../kernels/add.ts';
import { mlpProjGrads } from '../gpt2/backward.ts';
import { releaseTape, type ForwardBatch, type Gpt2Model, type Tape } from '../gpt2/model.ts';
import { vocabLoss, type LossRow } from '../gpt2/vocab-loss.ts';
import type { GpuTensor } from '../gpu/tensor.ts';
import { f16BitsToF32 } from '../gpu/half.ts';
import type { Gpt2Tokenizer } from '../tokenizer/gpt2-tokenizer.ts';
import type { EditRunOptions } from './edit-progress.ts';
import { cProjWeight, type DenseDelta, type WeightHistory } from './history.ts';
import { checkLayers } from './memit-core.ts';
import { prepareRequest, type PreparedRequest } from './prepared.ts';
import type { EditRequest } from '../experiment.ts';

export interface FtHparams {
  layers: number[];
  lr: number;
  num_steps: number;
  /** ε, the L∞ radius around the weights before the call. */
  norm_constraint: number;
  /** Stop (and take no step) once the loss is below this; ft_main's 1e-2. */
  early_stop_loss: number;
}

export interface FtTraceStep {
  loss: number;
  /** Per request. */
  lossEach: number[];
  stepped: boolean;
  /** ‖∂loss/∂θ‖ over every trained parameter (0 when no step). */
  gradNorm: number;
  /** Elements on the clamp's bound after this iteration. */
  atBound: number;
  /** max |θ − θ₀| after this iteration. */
  maxAbsChange: number;
}

export interface FtParamStats {
  name: string;
  fro: number;
  sum: number;
  maxAbs: number;
  atBound: number;
  elements: number;
}

export interface FtUpdate {
  promptIds: number[][];
  targetIds: number[][];
  trace: FtTraceStep[];
  losses: number[];
  adamSteps: number;
  earlyStopped: boolean;
  /** Per parameter (weight, bias of each layer): ΔW's size and how much of it sits on the clamp. */
  params: FtParamStats[];
  /** Per layer: ΔW then Δb of its c_proj, dense. */
  deltas: DenseDelta[];
}

interface Param {
  name: string;
  layer: number;
  which: 'w' | 'b';
  shape: readonly number[];
  theta0: Float64Array;
  theta: Float64Array;
  m: Float64Array;
  v: Float64Array;
  work: GpuTensor;
  saved: GpuTensor;
}

async function valuesOf(model: Gpt2Model, t: GpuTensor): Promise<Float64Array> {
  const data = await model.ctx.download(t);
  if (t.dtype === 'f16') return Float64Array.from(data as Uint16Array, f16BitsToF32);
  return Float64Array.from(data as Float32Array);
}

interface FtProblem {
  n: number;
  promptIds: number[][];
  targetIds: number[][];
  batch: ForwardBatch;
  /** Every target token is scored at the last prompt position; vocabLoss wants distinct rows, so one row set per token index. */
  rowSets: LossRow[][];
  layers: readonly number[];
}

function ftProblem(model: Gpt2Model, requests: readonly PreparedRequest[], layers: readonly number[]): FtProblem {
  const n = requests.length;
  const promptIds = requests.map((r) => r.prompt.ids);
  const targetIds = requests.map((r) => [...r.targetNewIds]);
  promptIds.forEach((p, i) => {
    if (p.length === 0) throw new Error(`request ${i}: the prompt is empty`);
  });
  const batch = model.batch(promptIds);
  const maxTt = Math.max(...targetIds.map((t) => t.length));
  const rowSets: LossRow[][] = Array.from({ length: maxTt }, (_, j) =>
    requests.flatMap((_, b) => (j < targetIds[b]!.length ? [{ row: b * batch.T + promptIds[b]!.length - 1, kind: 'nll' as const, target: targetIds[b]![j]!, weight: 1 / (targetIds[b]!.length * n) }] : [])),
  );
  return { n, promptIds, targetIds, batch, rowSets, layers };
}

const paramName = (layer: number, which: 'w' | 'b') => (which === 'w' ? cProjWeight(layer) : `h.${layer}.mlp.c_proj.bias`);

/** The FT loss on the model as it is, and (with `grad`) ∂loss/∂ of each layer's c_proj weight and bias, by name. */
async function lossAndGrads(model: Gpt2Model, prob: FtProblem, grad: boolean): Promise<{ loss: number; lossEach: number[]; grads: Map<string, Float32Array> | null }> {
  const { ctx, config } = model;
  const { batch } = prob;
  const lowest = Math.min(...prob.layers);
  const h = model.embed(batch);
  model.blocks(h, batch, 0, lowest);
  const tape: Tape = { blocks: new Map() };
  model.blocks(h, batch, lowest, config.nLayer, undefined, tape);
  const hidden = model.finalNorm(h, tape);
  ctx.release(h);
  let loss = 0;
  const lossEach = new Array<number>(prob.n).fill(0);
  let dHidden: GpuTensor | undefined;
  try {
    for (const rows of prob.rowSets) {
      const res = await vocabLoss(model, hidden, rows, { grad });
      loss += res.loss;
      rows.forEach((r, i) => {
        const b = Math.floor(r.row / batch.T);
        lossEach[b]! += res.values[i]! / prob.targetIds[b]!.length;
      });
      if (!res.dHidden) continue;
      if (!dHidden) dHidden = res.dHidden;
      else {
        addInto(ctx, dHidden, res.dHidden);
        ctx.release(res.dHidden);
      }
    }
    if (!grad) return { loss, lossEach, grads: null };
    const gpu = mlpProjGrads(model, prob.layers, dHidden!, batch, tape);
    const grads = new Map<string, Float32Array>();
    for (const [layer, g] of gpu) {
      grads.set(paramName(layer, 'w'), await ctx.downloadF32(g.dW));
      grads.set(paramName(layer, 'b'), await ctx.downloadF32(g.db));
      ctx.release(g.dW, g.db);
    }
    return { loss, lossEach, grads };
  } finally {
    ctx.release(hidden, dHidden);
    releaseTape(ctx, tape);
  }
}

/** The FT loss and its c_proj weight and bias gradients at the current weights (methods.json grad_at_iteration_0). */
export async function ftLossAndGradients(model: Gpt2Model, tok: Gpt2Tokenizer, requests: readonly EditRequest[], layers: readonly number[]) {
  checkLayers(layers, model.config.nLayer);
  const prob = ftProblem(model, requests.map((r) => prepareRequest(tok, r)), layers);
  try {
    return await lossAndGrads(model, prob, true);
  } finally {
    model.ctx.release(prob.batch.ids);
  }
}

/** FT-L∞ applied to the model as one edit of `history` (tests, the benchmark); `apply: false` only computes it. */
export async function computeFtL(
  model: Gpt2Model,
  tok: Gpt2Tokenizer,
  requests: readonly EditRequest[],
  hp: FtHparams,
  history: WeightHistory,
  opts: EditRunOptions & { apply?: boolean } = {},
): Promise<FtUpdate> {
  const up = await trainFtL(model, requests.map((r) => prepareRequest(tok, r)), hp, opts);
  if (opts.apply !== false) {
    opts.onProgress?.({ stage: 'apply', done: 0, total: 1 });
    await history.apply(up.deltas);
  }
  return up;
}

/** The fine-tuning itself: the model is unchanged afterwards; the result's deltas are the edit. */
export async function trainFtL(
  model: Gpt2Model,
  requests: readonly PreparedRequest[],
  hp: FtHparams,
  opts: EditRunOptions = {},
): Promise<FtUpdate> {
  const { ctx, config } = model;
  if (requests.length === 0) throw new Error('no requests to edit');
  checkLayers(hp.layers, config.nLayer);
  if (!(hp.norm_constraint > 0)) throw new Error(`norm_constraint (ε) must be positive, got ${hp.norm_constraint}`);
  if (!(hp.lr > 0)) throw new Error(`lr must be positive, got ${hp.lr}`);
  if (!(Number.isInteger(hp.num_steps) && hp.num_steps >= 1)) throw new Error(`num_steps must be a whole number ≥ 1, got ${hp.num_steps}`);
  const eps = hp.norm_constraint;
  const prob = ftProblem(model, requests, hp.layers);
  const { promptIds, targetIds, batch } = prob;

  const params: Param[] = [];
  for (const layer of hp.layers) {
    const proj = model.weights.blocks[layer]!.mlpProj;
    for (const which of ['w', 'b'] as const) {
      const t = proj[which];
      const theta0 = await valuesOf(model, t);
      params.push({
        name: paramName(layer, which),
        layer,
        which,
        shape: t.shape,
        theta0,
        theta: theta0.slice(),
        m: new Float64Array(theta0.length),
        v: new Float64Array(theta0.length),
        work: ctx.upload(Float32Array.from(theta0), t.shape, 'f32', 'ft.param'),
        saved: t,
      });
    }
  }
  // Train on scratch copies; the model's own tensors come back in `finally`.
  for (const p of params) model.weights.blocks[p.layer]!.mlpProj[p.which] = p.work;

  const [b1, b2, adamEps] = [0.9, 0.999, 1e-8];
  const trace: FtTraceStep[] = [];
  let adamSteps = 0;
  let earlyStopped = false;
  try {
    for (let it = 0; it < hp.num_steps; it++) {
      opts.signal?.throwIfAborted();
      opts.onProgress?.({ stage: 'finetune', done: it, total: hp.num_steps });
      const { loss, lossEach, grads } = await lossAndGrads(model, prob, true);
      const stepped = loss >= hp.early_stop_loss;
      let gradNorm = 0;
      if (stepped) {
        adamSteps++;
        const bc1 = 1 - b1 ** adamSteps;
        const bc2 = 1 - b2 ** adamSteps;
        for (const p of params) {
          const g = grads!.get(p.name)!;
          for (let i = 0; i < g.length; i++) {
            const gi = g[i]!;
            gradNorm += gi * gi;
            p.m[i] = b1 * p.m[i]! + (1 - b1) * gi;
            p.v[i] = b2 * p.v[i]! + (1 - b2) * gi * gi;
            p.theta[i]! -= (hp.lr / bc1) * (p.m[i]! / (Math.sqrt(p.v[i]!) / Math.sqrt(bc2) + adamEps));
          }
        }
      }
      // The clamp, also after an iteration without a step.
      let atBound = 0;
      let maxAbsChange = 0;
      for (const p of params) {
        const { theta, theta0 } = p;
        for (let i = 0; i < theta.length; i++) {
          const lo = theta0[i]! - eps;
          const hi = theta0[i]! + eps;
          if (theta[i]! <= lo) theta[i] = lo;
          else if (theta[i]! >= hi) theta[i] = hi;
          if (theta[i] === lo || theta[i] === hi) atBound++;
          maxAbsChange = Math.max(maxAbsChange, Math.abs(theta[i]! - theta0[i]!));
        }
        if (stepped) ctx.write(p.work, Float32Array.from(theta));
      }
      trace.push({ loss, lossEach, stepped, gradNorm: Math.sqrt(gradNorm), atBound, maxAbsChange });
      opts.onStep?.(-1, it, loss);
      if (!stepped) {
        earlyStopped = true;
        break;
      }
    }
    opts.onProgress?.({ stage: 'finetune', done: hp.num_steps, total: hp.num_steps });
  } finally {
    for (const p of params) {
      model.weights.blocks[p.layer]!.mlpProj[p.which] = p.saved;
      ctx.release(p.work);
    }
    ctx.release(batch.ids);
  }

  // Δ = θ − W in f32 (W + Δ then lands within an ulp of θ): a dense delta per weight and bias.
  const deltas: DenseDelta[] = params.map((p) => ({ param: p.name, values: Float32Array.from(p.theta, (x, i) => x - Math.fround(p.theta0[i]!)) }));
  const stats: FtParamStats[] = params.map((p) => {
    let fro = 0;
    let sum = 0;
    let maxAbs = 0;
    let atBound = 0;
    for (let i = 0; i < p.theta.length; i++) {
      const dlt = p.theta[i]! - p.theta0[i]!;
      fro += dlt * dlt;
      sum += dlt;
      maxAbs = Math.max(maxAbs, Math.abs(dlt));
      if (p.theta[i] === p.theta0[i]! - eps || p.theta[i] === p.theta0[i]! + eps) atBound++;
    }
    return { name: p.name, fro: Math.sqrt(fro), sum, maxAbs, atBound, elements: p.theta.length };
  });
  return { promptIds, targetIds, trace, losses: trace.map((t) => t.loss), adamSteps, earlyStopped, params: stats, deltas };
}
