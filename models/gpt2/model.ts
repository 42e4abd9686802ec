// GPT-2 on the GPU, readable top to bottom (as nanoGPT). A batch of B
// sequences, right-padded to a common length T, runs as B·T rows; attention
// masks each sequence to its own valid length, so padded rows never touch
// real ones. Hooks read activations of one layer (ROME's keys and MLP
// output) or add a vector to the MLP output at chosen rows (ROME's δ).
// With a tape, each block keeps what its backward pass needs (backward.ts).
import type { GpuContext } from '../gpu/context.ts';
import type { GpuTensor } from '../gpu/tensor.ts';
import { addInto } from '../kernels/add.ts';
import { attention, attentionWithProbs } from '../kernels/attention.ts';
import { embed } from '../kernels/embedding.ts';
import { gelu } from '../kernels/gelu.ts';
import { layerNorm, layerNormWithStats } from '../kernels/layernorm.ts';
import { matmul } from '../kernels/matmul.ts';
import type { Gpt2Config } from './config.ts';
import type { GpuGpt2Weights } from './gpu-weights.ts';
import { END_OF_TEXT_ID } from '../defaults.ts';

export const EOS_ID = END_OF_TEXT_ID;

export interface ForwardHooks {
  layer: number;
  /** Keep the input of h.{layer}.mlp.c_proj ([B·T, 4d]): ROME's keys. */
  captureKeys?: boolean;
  /** Keep the output of h.{layer}.mlp ([B·T, d]), c_proj bias included. */
  captureMlpOut?: boolean;
}

export interface ForwardBatch {
  /** Token ids, B×T, right-padded with EOS. */
  ids: GpuTensor;
  B: number;
  T: number;
  lengths: number[];
}

/** What one block's backward pass needs. */
export interface BlockTape {
  hIn: GpuTensor;
  ln1: { mean: GpuTensor; rstd: GpuTensor };
  qkv: GpuTensor;
  probs: GpuTensor;
  hMid: GpuTensor;
  ln2: { mean: GpuTensor; rstd: GpuTensor };
  pre: GpuTensor;
}

export interface Tape {
  blocks: Map<number, BlockTape>;
  lnF?: { hIn: GpuTensor; mean: GpuTensor; rstd: GpuTensor };
}

export interface ForwardOutput {
  /** ln_f(h) for every row, [B·T, d]. The caller releases it. */
  hidden: GpuTensor;
  keys?: GpuTensor;
  mlpOut?: GpuTensor;
}

/** Input longer than the model's positions: the request is wrong, not the engine. */
export class SequenceLengthError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SequenceLengthError';
  }
}

export class Gpt2Model {
  constructor(
    readonly ctx: GpuContext,
    readonly config: Gpt2Config,
    readonly weights: GpuGpt2Weights,
  ) {}

  /** Pad sequences into one batch on the GPU. */
  batch(seqs: readonly (readonly number[])[]): ForwardBatch {
    const B = seqs.length;
    const T = Math.max(1, ...seqs.map((s) => s.length));
    if (T > this.config.nPositions) throw new SequenceLengthError(`a sequence of ${T} tokens exceeds the model's ${this.config.nPositions} positions`);
    const flat = new Uint32Array(B * T).fill(EOS_ID);
    seqs.forEach((s, b) => {
      s.forEach((id, t) => {
        if (!Number.isInteger(id) || id < 0 || id >= this.config.vocabSize) throw new Error(`token id ${id} is outside the vocabulary`);
        flat[b * T + t] = id;
      });
    });
    return { ids: this.ctx.upload(flat, [B, T], 'u32', 'ids'), B, T, lengths: seqs.map((s) => s.length) };
  }

  /** The whole model: embeddings, every block, ln_f. */
  forward(batch: ForwardBatch, hooks?: ForwardHooks): ForwardOutput {
    const h = this.embed(batch);
    const out = this.blocks(h, batch, 0, this.config.nLayer, hooks);
    const hidden = this.finalNorm(h);
    this.ctx.release(h);
    return { ...out, hidden };
  }

  /** h0 = wte[ids] + wpe[positions], [B·T, d]. */
  embed(batch: ForwardBatch): GpuTensor {
    const h = embed(this.ctx, this.weights.wte, this.weights.wpe, batch.ids);
    return reshape(h, [batch.B * batch.T, this.config.nEmbd]);
  }

  /** Run blocks [from, to) on h in place. */
  blocks(h: GpuTensor, batch: ForwardBatch, from: number, to: number, hooks?: ForwardHooks, tape?: Tape): Omit<ForwardOutput, 'hidden'> {
    const out: Omit<ForwardOutput, 'hidden'> = {};
    for (let i = from; i < to; i++) Object.assign(out, this.block(i, h, batch, hooks?.layer === i ? hooks : undefined, tape));
    return out;
  }

  /** One transformer block, in place on the residual stream h. */
  block(i: number, h: GpuTensor, batch: ForwardBatch, hooks?: ForwardHooks, tape?: Tape): Omit<ForwardOutput, 'hidden'> {
    const { ctx, config: c } = this;
    const blk = this.weights.blocks[i]!;
    const eps = c.layerNormEpsilon;
    const attnOpts = { batch: batch.B, lengths: batch.lengths };
    const hIn = tape ? copyOf(ctx, h) : null;
    // Attention: h = h + proj(attn(ln_1(h)))
    const ln1 = layerNormWithStats(ctx, h, blk.ln1.g, blk.ln1.b, { eps });
    const qkv = matmul(ctx, ln1.out, blk.attn.w, { bias: blk.attn.b });
    const att = tape ? attentionWithProbs(ctx, qkv, c.nHead, attnOpts) : { out: attention(ctx, qkv, c.nHead, attnOpts), probs: null };
    const attOut = matmul(ctx, att.out, blk.attnProj.w, { bias: blk.attnProj.b });
    addInto(ctx, h, attOut);
    ctx.release(ln1.out, att.out, attOut);
    const hMid = tape ? copyOf(ctx, h) : null;
    // MLP: h = h + proj(gelu(fc(ln_2(h))))
    const ln2 = layerNormWithStats(ctx, h, blk.ln2.g, blk.ln2.b, { eps });
    const pre = matmul(ctx, ln2.out, blk.fc.w, { bias: blk.fc.b });
    const keys = gelu(ctx, pre);
    const mlpOut = matmul(ctx, keys, blk.mlpProj.w, { bias: blk.mlpProj.b });
    addInto(ctx, h, mlpOut);
    ctx.release(ln2.out);

    if (tape) {
      tape.blocks.set(i, { hIn: hIn!, ln1: { mean: ln1.mean, rstd: ln1.rstd }, qkv, probs: att.probs!, hMid: hMid!, ln2: { mean: ln2.mean, rstd: ln2.rstd }, pre });
    } else {
      ctx.release(ln1.mean, ln1.rstd, ln2.mean, ln2.rstd, qkv, pre);
    }
    const out: Omit<ForwardOutput, 'hidden'> = {};
    if (hooks?.captureKeys) out.keys = keys;
    else ctx.release(keys);
    if (hooks?.captureMlpOut) out.mlpOut = mlpOut;
    else ctx.release(mlpOut);
    return out;
  }

  /** ln_f(h) into a new tensor. */
  finalNorm(h: GpuTensor, tape?: Tape): GpuTensor {
    const { ctx, config: c, weights: w } = this;
    if (!tape) return layerNorm(ctx, h, w.lnF.g, w.lnF.b, { eps: c.layerNormEpsilon });
    const r = layerNormWithStats(ctx, h, w.lnF.g, w.lnF.b, { eps: c.layerNormEpsilon });
    tape.lnF = { hIn: copyOf(ctx, h), mean: r.mean, rstd: r.rstd };
    return r.out;
  }
}

export function releaseTape(ctx: GpuContext, tape: Tape): void {
  for (const b of tape.blocks.values()) ctx.release(b.hIn, b.ln1.mean, b.ln1.rstd, b.qkv, b.probs, b.hMid, b.ln2.mean, b.ln2.rstd, b.pre);
  tape.blocks.clear();
  if (tape.lnF) ctx.release(tape.lnF.hIn, tape.lnF.mean, tape.lnF.rstd);
  tape.lnF = undefined;
}

/** A fresh copy of t (the residual stream is updated in place; tapes need its past values). */
export function copyOf(ctx: GpuContext, t: GpuTensor): GpuTensor {
  const c = ctx.empty(t.shape, t.dtype, 'copy');
  ctx.copy(t, c);
  return c;
}

/** The same buffer seen with another shape of equal size. */
export function reshape(t: GpuTensor, shape: number[]): GpuTensor {
  const n = shape.reduce((a, b) => a * b, 1);
  if (n !== t.size) throw new Error(`reshape: [${t.shape}] has ${t.size} elements, not ${n}`);
  return { ...t, shape };
}

