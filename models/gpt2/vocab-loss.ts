// ROME's v* loss at the top of the model, and its gradient with respect to
// the final hidden states (ln_f output), streaming the tied unembedding in
// vocabulary chunks. Only the few scored rows are unembedded: they are
// gathered first, so the cost is rows × vocab, not B·T × vocab.
//   NLL rows:  w · (logsumexp(z) − z_target)
//   KL row:    κ · Σ_v p_v (log p_v − q_v)   (KL(edited ‖ original), q = kl_init)
import type { GpuTensor } from '../gpu/tensor.ts';
import { addInto } from '../kernels/add.ts';
import {
  decodeLseState,
  klTermsAccumulate,
  logSoftmaxAccumulate,
  lossGradChunk,
  LSE_STATE_WIDTH,
  ROW_KL,
  ROW_NLL,
  writeLogProbs,
} from '../kernels/cross-entropy.ts';
import { gatherRows } from '../kernels/embedding.ts';
import { matmul } from '../kernels/matmul.ts';
import { scatterAddRows } from '../kernels/rows.ts';
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

const NO_TARGET = 0xffffffff;

/**
 * `q` holds the reference log-probs for KL rows ([vocab]); pass `initQ` to
 * fill it from the current model first (ROME's kl_init, iteration 0).
 */
export async function vocabLoss(
  model: Gpt2Model,
  hidden: GpuTensor,
  rows: readonly LossRow[],
  opts: { q?: GpuTensor; initQ?: boolean; grad?: boolean },
): Promise<VocabLossResult> {
  const { ctx } = model;
  const m = rows.length;
  const d = model.config.nEmbd;
  const rowIdx = ctx.upload(Uint32Array.from(rows, (r) => r.row), [m], 'u32', 'loss.rows');
  const hs = gatherRows(ctx, hidden, rowIdx); // [m, d]
  const targets = Uint32Array.from(rows, (r) => (r.kind === 'nll' ? r.target : NO_TARGET));
  const tgt = ctx.upload(targets, [m], 'u32', 'loss.targets');
  const chunks = model.weights.wte;
  const logitsOf = (table: GpuTensor) => matmul(ctx, hs, table, { transB: true });

  // Pass 1: logsumexp and target logits.
  const state = ctx.empty([m, LSE_STATE_WIDTH], 'f32', 'loss.state');
  chunks.forEach((c, k) => {
    const z = logitsOf(c.table);
    logSoftmaxAccumulate(ctx, z, tgt, state, c.rowOffset, k === 0);
    ctx.release(z);
  });
  const scores = decodeLseState(await ctx.downloadF32(state), targets);
  const lse = ctx.upload(Float32Array.from(scores.logsumexp), [m], 'f32', 'loss.lse');
  const values = new Float64Array(m);
  rows.forEach((r, i) => (values[i] = r.kind === 'nll' ? scores.nll[i]! : 0));

  // Pass 2 (KL rows): fill q at iteration 0, else measure KL against it.
  const klRows = rows.map((r, i) => (r.kind === 'kl' ? i : -1)).filter((i) => i >= 0);
  if (klRows.length) {
    if (!opts.q) throw new Error('vocabLoss: KL rows need q');
    if (klRows.length > 1) throw new Error('vocabLoss: one KL row at most (ROME uses one KL prompt)');
    if (opts.initQ) {
      for (const c of chunks) {
        const z = logitsOf(c.table);
        writeLogProbs(ctx, z, lse, klRows[0]!, opts.q, c.rowOffset);
        ctx.release(z);
      }
    } else {
      const acc = ctx.empty([m], 'f32', 'loss.kl');
      chunks.forEach((c, k) => {
        const z = logitsOf(c.table);
        klTermsAccumulate(ctx, z, lse, opts.q!, acc, c.rowOffset, k === 0);
        ctx.release(z);
      });
      const kl = await ctx.downloadF32(acc);
      ctx.release(acc);
      for (const i of klRows) values[i] = kl[i]!;
    }
  }
  const loss = rows.reduce((s, r, i) => s + r.weight * values[i]!, 0);

  let dHidden: GpuTensor | undefined;
  if (opts.grad) {
    // Pass 3: dz per chunk, then ∂/∂hs += dz · W_chunk.
    const info = new Float32Array(m * 4);
    rows.forEach((r, i) => info.set([scores.logsumexp[i]!, r.weight, r.kind === 'nll' ? ROW_NLL : ROW_KL, values[i]!], i * 4));
    const rowInfo = ctx.upload(info, [m, 4], 'f32', 'loss.rowInfo');
    const q = opts.q ?? ctx.empty([1], 'f32', 'loss.noq');
    const dHs = ctx.empty([m, d], 'f32', 'loss.dhs');
    for (const c of chunks) {
      const z = logitsOf(c.table);
      const dz = lossGradChunk(ctx, z, rowInfo, tgt, q, c.rowOffset);
      const part = matmul(ctx, dz, c.table);
      addInto(ctx, dHs, part);
      ctx.release(z, dz, part);
    }
    dHidden = ctx.empty(hidden.shape, 'f32', 'dHidden');
    scatterAddRows(ctx, dHidden, rowIdx, dHs);
    ctx.release(rowInfo, dHs);
    if (!opts.q) ctx.release(q);
  }
  ctx.release(rowIdx, hs, tgt, state, lse);
  return { values, loss, dHidden, logsumexp: scores.logsumexp };
}
