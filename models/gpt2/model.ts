// GPT-2 on the GPU, readable top to bottom (as nanoGPT). A batch of B
// sequences, right-padded to a common length T, runs as B·T rows; attention
// masks each sequence to its own valid length, so padded rows never touch
// real ones. Hooks read activations of one layer (ROME's keys and MLP output).
import type { GpuContext } from '../gpu/context.ts';
import type { GpuTensor } from '../gpu/tensor.ts';
import { addInto } from '../kernels/add.ts';
import { attention } from '../kernels/attention.ts';
import { embed } from '../kernels/embedding.ts';
import { gelu } from '../kernels/gelu.ts';
import { layerNorm } from '../kernels/layernorm.ts';
import { matmul } from '../kernels/matmul.ts';
import type { Gpt2Config } from './config.ts';
import type { GpuGpt2Weights } from './gpu-weights.ts';

export const EOS_ID = 50256;

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

export interface ForwardOutput {
  /** ln_f(h) for every row, [B·T, d]. The caller releases it. */
  hidden: GpuTensor;
  keys?: GpuTensor;
  mlpOut?: GpuTensor;
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
    if (T > this.config.nPositions) throw new Error(`a sequence of ${T} tokens exceeds the model's ${this.config.nPositions} positions`);
    const flat = new Uint32Array(B * T).fill(EOS_ID);
    seqs.forEach((s, b) => {
      s.forEach((id, t) => {
        if (!Number.isInteger(id) || id < 0 || id >= this.config.vocabSize) throw new Error(`token id ${id} is outside the vocabulary`);
        flat[b * T + t] = id;
      });
    });
    return { ids: this.ctx.upload(flat, [B, T], 'u32', 'ids'), B, T, lengths: seqs.map((s) => s.length) };
  }

  forward(batch: ForwardBatch, hooks?: ForwardHooks): ForwardOutput {
    const { ctx, config: c, weights: w } = this;
    const rows = batch.B * batch.T;
    const out: ForwardOutput = { hidden: undefined as unknown as GpuTensor };

    let h = embed(ctx, w.wte, w.wpe, batch.ids); // [B, T, d]
    h = reshape(h, [rows, c.nEmbd]);
    for (let i = 0; i < c.nLayer; i++) {
      const blk = w.blocks[i]!;
      // Attention: h = h + proj(attn(ln_1(h)))
      const x1 = layerNorm(ctx, h, blk.ln1.g, blk.ln1.b, { eps: c.layerNormEpsilon });
      const qkv = matmul(ctx, x1, blk.attn.w, { bias: blk.attn.b });
      const att = attention(ctx, qkv, c.nHead, { batch: batch.B, lengths: batch.lengths });
      const attOut = matmul(ctx, att, blk.attnProj.w, { bias: blk.attnProj.b });
      addInto(ctx, h, attOut);
      ctx.release(x1, qkv, att, attOut);
      // MLP: h = h + proj(gelu(fc(ln_2(h))))
      const x2 = layerNorm(ctx, h, blk.ln2.g, blk.ln2.b, { eps: c.layerNormEpsilon });
      const pre = matmul(ctx, x2, blk.fc.w, { bias: blk.fc.b });
      const keys = gelu(ctx, pre);
      const mlpOut = matmul(ctx, keys, blk.mlpProj.w, { bias: blk.mlpProj.b });
      addInto(ctx, h, mlpOut);
      ctx.release(x2, pre);
      if (hooks?.layer === i && hooks.captureKeys) out.keys = keys;
      else ctx.release(keys);
      if (hooks?.layer === i && hooks.captureMlpOut) out.mlpOut = mlpOut;
      else ctx.release(mlpOut);
    }
    out.hidden = layerNorm(ctx, h, w.lnF.g, w.lnF.b, { eps: c.layerNormEpsilon });
    ctx.release(h);
    return out;
  }
}

/** The same buffer seen with another shape of equal size. */
export function reshape(t: GpuTensor, shape: number[]): GpuTensor {
  const n = shape.reduce((a, b) => a * b, 1);
  if (n !== t.size) throw new Error(`reshape: [${t.shape}] has ${t.size} elements, not ${n}`);
  return { ...t, shape };
}
