// ROME's v* loss at the top of the model, and its gradient with respect to
// the final hidden states (ln_f output), streaming the tied unembedding in
// vocabulary chunks once per step (kernels/cross-entropy.ts, "v* loss"). Only
// the few scored rows are unembedded: they are gathered first, so the cost is
// rows × vocab, not B·T × vocab.
//   NLL rows:  w · (logsumexp(z) − z_target)
//   KL row:    κ · Σ_v p_v (log p_v − q_v)   (KL(edited ‖ original), q = kl_init)
import type { GpuTensor } from '../gpu/tensor.ts';
import {
  decodeVStarState,
  finishVStarQ,
  NO_TARGET,
  vStarChunk,
  vStarGrad,
  vStarMerge,
  VSTAR_STATE_WIDTH,
} from '../kernels/cross-entropy.ts';
import { gatherRows } from '../kernels/embedding.ts';
import { matmul } from '../kernels/matmul.ts';
import type { Gpt2Model } from './model.ts';

export type LossRow = { row: number; kind: 'nll'; target: number; weight: number } | { row: number; kind: 'kl'; weight: number };

export interface VocabLossResult {
  /** Per loss row: NLL of its target (NLL rows) or KL (KL rows), unweighted. */
  values: Float64Array;
  /** Σ weight · value. */
  loss: number;
  /** ∂loss/∂hidden, [R, d], zero outside the loss rows; only when asked. */
  dHidden?: GpuTensor;
  /** log p at each row, for argmax/probability read-outs: logsumexp per row. */
  logsumexp: Float64Array;
}

export interface VocabLossOptions {
  /** The KL row's reference log-probs, [vocab]. */
  q?: GpuTensor;
  /** Fill q from the current model first (ROME's kl_init, iteration 0): KL and its gradient are then 0. */
  initQ?: boolean;
  grad?: boolean;
}

/**
 * The loss rows of one v* optimisation, set up once (row indices, targets,
 * weights on the GPU) and recorded once per step without a read-back: the
 * step's state lands in a tensor the caller downloads with whatever else it
 * needs, in one read.
 */
export class VocabLossPass {
  readonly m: number;
  private readonly targetsHost: Uint32Array;
  private readonly rowIdx: GpuTensor;
  private readonly targets: GpuTensor;
  private readonly weights: GpuTensor;
  private readonly klRow: number;
  /** Stand-ins for bindings a step does not use (distinct: a dispatch may not bind one buffer as read and write). */
  private readonly unused: { q: GpuTensor; g: GpuTensor; h: GpuTensor; e: GpuTensor; pw: GpuTensor };

  constructor(
    private readonly model: Gpt2Model,
    private readonly rows: readonly LossRow[],
  ) {
    const { ctx } = model;
    this.m = rows.length;
    if (this.m === 0) throw new Error('vocabLoss: no loss rows');
    const kl = rows.map((r, i) => (r.kind === 'kl' ? i : -1)).filter((i) => i >= 0);
    if (kl.length > 1) throw new Error('vocabLoss: one KL row at most (ROME uses one KL prompt)');
    this.klRow = kl[0] ?? -1;
    this.targetsHost = Uint32Array.from(rows, (r) => (r.kind === 'nll' ? r.target : NO_TARGET));
    this.rowIdx = ctx.upload(Uint32Array.from(rows, (r) => r.row), [this.m], 'u32', 'loss.rows');
    this.targets = ctx.upload(this.targetsHost, [this.m], 'u32', 'loss.targets');
    this.weights = ctx.upload(Float32Array.from(rows, (r) => r.weight), [this.m], 'f32', 'loss.weights');
    const unused = () => ctx.empty([4], 'f32', 'loss.unused');
    this.unused = { q: unused(), g: unused(), h: unused(), e: unused(), pw: unused() };
  }

  /**
   * Record the pass over `hidden` [R, d]. The state ([m, 4] floats) is written
   * at the start of `state`; returns ∂loss/∂hidden [R, d] when asked (the caller releases it).
   */
  record(hidden: GpuTensor, state: GpuTensor, opts: VocabLossOptions): GpuTensor | undefined {
    const { model, m } = this;
    const { ctx } = model;
    const d = model.config.nEmbd;
    const grad = opts.grad ?? false;
    const initQ = opts.initQ ?? false;
    if (this.klRow >= 0 && !opts.q) throw new Error('vocabLoss: KL rows need q');
    const q = opts.q ?? this.unused.q;
    const hs = gatherRows(ctx, hidden, this.rowIdx); // [m, d]
    const g = grad ? ctx.empty([m, d], 'f32', 'loss.g') : this.unused.g;
    const h = grad ? ctx.empty([m, d], 'f32', 'loss.h') : this.unused.h;
    model.weights.wte.forEach((c, k) => {
      const cols = c.table.shape[0]!;
      const z = matmul(ctx, hs, c.table, { transB: true }); // [m, cols]
      const stats = ctx.empty([m, VSTAR_STATE_WIDTH], 'f32', 'loss.chunkStats');
      const e = grad ? ctx.empty([2 * m, cols], 'f32', 'loss.e') : this.unused.e;
      vStarChunk(ctx, z, this.targets, q, stats, e, c.rowOffset, { initQ, grad });
      const pw = grad ? matmul(ctx, e, c.table) : this.unused.pw; // [2m, d]
      vStarMerge(ctx, stats, pw, this.targets, state, g, h, { colOffset: c.rowOffset, cols, first: k === 0, grad });
      ctx.release(z, stats, grad ? e : null, grad ? pw : null);
    });
    if (initQ && this.klRow >= 0) finishVStarQ(ctx, state, q, this.klRow);
    let dHidden: GpuTensor | undefined;
    if (grad) {
      dHidden = ctx.empty(hidden.shape, 'f32', 'dHidden');
      vStarGrad(ctx, state, this.targets, this.weights, this.rowIdx, g, h, dHidden, initQ);
      ctx.release(g, h);
    }
    ctx.release(hs);
    return dHidden;
  }

  /** Values, loss and logsumexp from the downloaded state (float64). */
  decode(state: Float32Array, initQ: boolean): Omit<VocabLossResult, 'dHidden'> {
    const { values, logsumexp } = decodeVStarState(state, this.targetsHost, initQ);
    const loss = this.rows.reduce((s, r, i) => s + r.weight * values[i]!, 0);
    return { values, loss, logsumexp };
  }

  release(): void {
    this.model.ctx.release(this.rowIdx, this.targets, this.weights, ...Object.values(this.unused));
  }
}

/**
 * `q` holds the reference log-probs for KL rows ([vocab]); pass `initQ` to
 * fill it from the current model first (ROME's kl_init, iteration 0).
 */
export async function vocabLoss(model: Gpt2Model, hidden: GpuTensor, rows: readonly LossRow[], opts: VocabLossOptions): Promise<VocabLossResult> {
  const { ctx } = model;
  const pass = new VocabLossPass(model, rows);
  const state = ctx.empty([rows.length, VSTAR_STATE_WIDTH], 'f32', 'loss.state');
  try {
    const dHidden = pass.record(hidden, state, opts);
    return { ...pass.decode(await ctx.downloadF32(state), opts.initQ ?? false), dHidden };
  } finally {
    ctx.release(state);
    pass.release();
  }
}
