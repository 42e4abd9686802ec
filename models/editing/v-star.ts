// v* by optimisation (rome.md step 5, ROME's compute_v): find δ added to the
// MLP output of layer l at the subject's last token so that the model says
// the new target, with a KL anchor and a weight decay; v* = target_init + δ.
// Forward and backward run on the GPU; Adam runs on the CPU in float64 over
// the d numbers of δ. Per step: blocks l+1.. forward (blocks ..l ran once per
// edit), one pass over the vocabulary for the loss and its gradient, the
// backward, and one read-back of a few floats per loss row plus ∂loss/∂δ.
import { gatherRows } from '../kernels/embedding.ts';
import { VSTAR_STATE_WIDTH } from '../kernels/cross-entropy.ts';
import { addToRows, sumRowsInto } from '../kernels/rows.ts';
import { backwardTo } from '../gpt2/backward.ts';
import { releaseTape, type Gpt2Model, type Tape } from '../gpt2/model.ts';
import { VocabLossPass, type LossRow } from '../gpt2/vocab-loss.ts';
import type { Gpt2Tokenizer } from '../tokenizer/gpt2-tokenizer.ts';
import type { RomeHparams } from './rome-hparams.ts';
import { targetIdsOf } from './prepared.ts';
import { fill, subjectLastIndex, wrap } from './subject-index.ts';

export interface VRequest {
  prompt: string;
  subject: string;
  target_new: string;
}

export interface VPrompt {
  kind: 'rewriting' | 'kl';
  template: string;
  ids: number[];
  lookup: number;
  /** Scored positions (rewriting prompts). */
  scored: number[];
}

export interface VTraceStep {
  loss: number;
  nll: number;
  kl: number;
  weight_decay: number;
  nll_each: number[];
  delta_norm: number;
}

export interface VStarResult {
  targetIds: number[];
  prompts: VPrompt[];
  targetInit: Float64Array;
  vStar: Float64Array;
  delta: Float64Array;
  trace: VTraceStep[];
  losses: number[];
  adamSteps: number;
  earlyStopped: boolean;
}


/** The rewriting prompts (one per context template) and the KL prompt, tokenised with their lookup positions. */
export function vPrompts(tok: Gpt2Tokenizer, req: VRequest, contextTemplates: readonly string[], targetIds: readonly number[], klPrompts: readonly string[]): VPrompt[] {
  const prefixText = tok.decode(targetIds.slice(0, -1));
  const Tt = targetIds.length;
  const rewriting = contextTemplates.map((c): VPrompt => {
    const template = wrap(c, req.prompt) + prefixText;
    const ids = tok.encode(fill(template, req.subject));
    return { kind: 'rewriting', template, ids, lookup: subjectLastIndex(tok, template, req.subject), scored: targetIds.map((_, j) => ids.length - Tt + j) };
  });
  const kl = klPrompts.map((template): VPrompt => {
    const ids = tok.encode(fill(template, req.subject));
    return { kind: 'kl', template, ids, lookup: subjectLastIndex(tok, template, req.subject), scored: [] };
  });
  return [...rewriting, ...kl];
}

export async function computeVStar(
  model: Gpt2Model,
  tok: Gpt2Tokenizer,
  req: VRequest,
  contextTemplates: readonly string[],
  hp: RomeHparams,
  opts: { signal?: AbortSignal; onStep?: (it: number, loss: number) => void } = {},
): Promise<VStarResult> {
  const { ctx, config } = model;
  const d = config.nEmbd;
  const l = hp.layer;
  const targetIds = targetIdsOf(tok, req.target_new);
  const Tt = targetIds.length;
  const prompts = vPrompts(tok, req, contextTemplates, targetIds, hp.kl_prompts);
  const nRewrite = contextTemplates.length;
  const batch = model.batch(prompts.map((p) => p.ids));
  const rowOf = (b: number, t: number) => b * batch.T + t;

  const lossRows: LossRow[] = [];
  prompts.forEach((p, b) => {
    if (p.kind === 'rewriting') p.scored.forEach((pos, j) => lossRows.push({ row: rowOf(b, pos), kind: 'nll', target: targetIds[j]!, weight: 1 / (Tt * nRewrite) }));
    else lossRows.push({ row: rowOf(b, p.lookup), kind: 'kl', weight: hp.kl_factor / hp.kl_prompts.length });
  });
  const lookupRows = ctx.upload(Uint32Array.from(prompts, (p, b) => rowOf(b, p.lookup)), [prompts.length], 'u32', 'v.lookup');

  // Layers 0..l do not see δ: run them once. δ then enters the residual after block l.
  const h0 = model.embed(batch);
  const first = model.blocks(h0, batch, 0, l + 1, { layer: l, captureMlpOut: true });
  const initRow = ctx.upload(new Uint32Array([rowOf(0, prompts[0]!.lookup)]), [1], 'u32', 'v.initRow');
  const targetInit = Float64Array.from(await ctx.downloadF32(gatherRows(ctx, first.mlpOut!, initRow)));
  ctx.release(first.mlpOut, initRow);
  const tiNorm2 = dot(targetInit, targetInit);
  const maxNorm = hp.clamp_norm_factor * Math.sqrt(tiNorm2);

  const q = ctx.empty([config.vocabSize], 'f32', 'v.klInit');
  const lossPass = new VocabLossPass(model, lossRows);
  const m = lossRows.length;
  // One read-back per step: the loss state ([m, 4]) then ∂loss/∂δ ([d]).
  const readout = ctx.empty([m * VSTAR_STATE_WIDTH + d], 'f32', 'v.readout');
  const deltaT = ctx.empty([d], 'f32', 'v.delta');
  const h = ctx.empty(h0.shape, 'f32', 'v.h');
  const delta = new Float64Array(d);
  const adamM = new Float64Array(d);
  const adamV = new Float64Array(d);
  const [b1, b2, eps] = [0.9, 0.999, 1e-8];
  const trace: VTraceStep[] = [];
  let adamSteps = 0;
  let earlyStopped = false;

  try {
    for (let it = 0; it < hp.v_num_grad_steps; it++) {
      opts.signal?.throwIfAborted();
      const last = it === hp.v_num_grad_steps - 1;
      // Forward with δ from the residual after block l.
      ctx.write(deltaT, Float32Array.from(delta));
      ctx.copy(h0, h);
      addToRows(ctx, h, lookupRows, deltaT);
      const tape: Tape = { blocks: new Map() };
      model.blocks(h, batch, l + 1, config.nLayer, undefined, tape);
      const hidden = model.finalNorm(h, tape);
      const initQ = it === 0;
      const dHidden = lossPass.record(hidden, readout, { q, initQ, grad: !last });
      // The backward is recorded before the loss is known: reading the loss
      // first would cost a second round trip every step, and only the step
      // that stops early wastes its backward.
      if (dHidden) {
        const dh = backwardTo(model, l + 1, dHidden, batch, tape);
        sumRowsInto(ctx, dh, lookupRows, readout, m * VSTAR_STATE_WIDTH);
        ctx.release(dh);
      }
      ctx.release(hidden, dHidden);
      releaseTape(ctx, tape);
      const host = await ctx.downloadF32(readout);
      const res = lossPass.decode(host.subarray(0, m * VSTAR_STATE_WIDTH), initQ);

      const nllEach = new Array<number>(nRewrite).fill(0);
      let klSum = 0;
      lossRows.forEach((r, i) => {
        if (r.kind === 'nll') nllEach[Math.floor(r.row / batch.T)]! += res.values[i]! / Tt;
        else klSum += res.values[i]! / hp.kl_prompts.length;
      });
      const nll = nllEach.reduce((a, b) => a + b, 0) / nRewrite;
      const deltaNorm = Math.sqrt(dot(delta, delta));
      const wd = (hp.v_weight_decay * deltaNorm) / tiNorm2;
      const loss = nll + hp.kl_factor * klSum + wd;
      trace.push({ loss, nll, kl: klSum, weight_decay: wd, nll_each: nllEach, delta_norm: deltaNorm });
      opts.onStep?.(it, loss);

      const stop = loss < hp.early_stop_loss || last;
      if (stop) {
        earlyStopped = loss < hp.early_stop_loss;
        break;
      }
      // ∂(wd·‖δ‖/‖ti‖²)/∂δ = wd·δ/‖δ‖/‖ti‖², and 0 at δ = 0 (as torch).
      const grad = Float64Array.from(host.subarray(m * VSTAR_STATE_WIDTH));
      if (deltaNorm > 0) for (let j = 0; j < d; j++) grad[j]! += (hp.v_weight_decay * delta[j]!) / deltaNorm / tiNorm2;
      // Adam (torch defaults), then the clamp.
      adamSteps++;
      const bc1 = 1 - b1 ** adamSteps;
      const bc2 = 1 - b2 ** adamSteps;
      for (let j = 0; j < d; j++) {
        const gj = grad[j]!;
        adamM[j] = b1 * adamM[j]! + (1 - b1) * gj;
        adamV[j] = b2 * adamV[j]! + (1 - b2) * gj * gj;
        delta[j]! -= (hp.v_lr / bc1) * (adamM[j]! / (Math.sqrt(adamV[j]!) / Math.sqrt(bc2) + eps));
      }
      const n = Math.sqrt(dot(delta, delta));
      if (n > maxNorm) for (let j = 0; j < d; j++) delta[j]! *= maxNorm / n;
    }
  } finally {
    ctx.release(h0, h, q, lookupRows, batch.ids, readout, deltaT);
    lossPass.release();
  }
  const vStar = targetInit.map((x, j) => x + delta[j]!);
  return { targetIds, prompts, targetInit, vStar, delta, trace, losses: trace.map((t) => t.loss), adamSteps, earlyStopped };
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}
