// Backward pass to activations (ROME only needs ∂loss/∂δ, where δ enters the
// residual stream after block l), and the weight gradients of the MLP output
// projections c_proj (FT-L∞ fine-tunes them). Mirrors model.ts in reverse, one
// block at a time, reading what the forward tape kept.
// MEND needs the MLP weights' gradients only as their per-token rank-one
// factors (for y = x·W the gradient is Σ_t x_tᵀ δ_t): the block hands out
// each MLP linear layer's input x_t and output gradient δ_t when asked.
import type { GpuTensor } from '../gpu/tensor.ts';
import { addInto } from '../kernels/add.ts';
import { attentionBackward } from '../kernels/attention.ts';
import { gelu, geluBackward } from '../kernels/gelu.ts';
import { layerNorm, layerNormBackward } from '../kernels/layernorm.ts';
import { linearWeightGrads, matmul } from '../kernels/matmul.ts';
import { copyOf, type ForwardBatch, type Gpt2Model, type Tape } from './model.ts';

/** The rank-one factors of block i's MLP weight gradients, one row per token ([B·T, ·]); the receiver owns and releases them. */
export interface MlpFactors {
  layer: number;
  /** mlp.c_fc: input ln_2(h_mid) [B·T, d] and output gradient ∂loss/∂(pre-GELU) [B·T, 4d]. */
  fc: { x: GpuTensor; dy: GpuTensor };
  /** mlp.c_proj: input GELU(pre) [B·T, 4d] and output gradient ∂loss/∂(MLP output) [B·T, d]. */
  proj: { x: GpuTensor; dy: GpuTensor };
}

/** Which blocks hand out their MLP factors, and to whom. */
export interface FactorSink {
  layers: ReadonlySet<number>;
  take: (f: MlpFactors) => void;
}

/** ∂loss/∂h (input of ln_f) from ∂loss/∂ln_f(h). */
export function finalNormBackward(model: Gpt2Model, dHidden: GpuTensor, tape: Tape): GpuTensor {
  if (!tape.lnF) throw new Error('finalNormBackward: the forward pass kept no ln_f tape');
  const { hIn, mean, rstd } = tape.lnF;
  return layerNormBackward(model.ctx, dHidden, hIn, model.weights.lnF.g, mean, rstd);
}

/** ∂loss/∂(block input) from ∂loss/∂(block output), for block i. Consumes nothing; returns a new tensor. */
export function blockBackward(model: Gpt2Model, i: number, dOut: GpuTensor, batch: ForwardBatch, tape: Tape, sink?: FactorSink): GpuTensor {
  const { ctx, config: c } = model;
  const blk = model.weights.blocks[i]!;
  const t = tape.blocks.get(i);
  if (!t) throw new Error(`blockBackward: no tape for block ${i}`);
  // MLP: h_out = h_mid + proj(gelu(fc(ln_2(h_mid))))
  const dKeys = matmul(ctx, dOut, blk.mlpProj.w, { transB: true });
  const dPre = geluBackward(ctx, dKeys, t.pre);
  const dX2 = matmul(ctx, dPre, blk.fc.w, { transB: true });
  const dMid = layerNormBackward(ctx, dX2, t.hMid, blk.ln2.g, t.ln2.mean, t.ln2.rstd);
  addInto(ctx, dMid, dOut);
  if (sink?.layers.has(i)) {
    // The MLP's output gradient is the block's (the residual passes it through unchanged).
    const fcIn = layerNorm(ctx, t.hMid, blk.ln2.g, blk.ln2.b, { eps: c.layerNormEpsilon });
    sink.take({ layer: i, fc: { x: fcIn, dy: dPre }, proj: { x: gelu(ctx, t.pre), dy: copyOf(ctx, dOut) } });
    ctx.release(dKeys, dX2);
  } else {
    ctx.release(dKeys, dPre, dX2);
  }
  // Attention: h_mid = h_in + proj(attn(ln_1(h_in)))
  const dAtt = matmul(ctx, dMid, blk.attnProj.w, { transB: true });
  const dQkv = attentionBackward(ctx, dAtt, t.qkv, t.probs, c.nHead, { batch: batch.B, lengths: batch.lengths });
  const dX1 = matmul(ctx, dQkv, blk.attn.w, { transB: true });
  const dIn = layerNormBackward(ctx, dX1, t.hIn, blk.ln1.g, t.ln1.mean, t.ln1.rstd);
  addInto(ctx, dIn, dMid);
  ctx.release(dAtt, dQkv, dX1, dMid);
  return dIn;
}

/** ∂loss/∂(residual after block `from`-1) by running blocks (nLayer-1 … from) backward from ∂loss/∂ln_f output. */
export function backwardTo(model: Gpt2Model, from: number, dHidden: GpuTensor, batch: ForwardBatch, tape: Tape, sink?: FactorSink): GpuTensor {
  let d = finalNormBackward(model, dHidden, tape);
  for (let i = model.config.nLayer - 1; i >= from; i--) {
    const next = blockBackward(model, i, d, batch, tape, sink);
    model.ctx.release(d);
    d = next;
  }
  return d;
}

/**
 * ∂loss/∂W and ∂loss/∂b of h.{l}.mlp.c_proj for each listed layer: the block
 * output gradient dOut equals the gradient at c_proj's output (h_out = h_mid +
 * c_proj(keys)), so dW = keysᵀ·dOut and db = Σ_rows dOut, keys = gelu(pre)
 * from the tape. The tape must cover blocks min(layers)..nLayer-1.
 */
export function mlpProjGrads(model: Gpt2Model, layers: readonly number[], dHidden: GpuTensor, batch: ForwardBatch, tape: Tape): Map<number, { dW: GpuTensor; db: GpuTensor }> {
  const { ctx } = model;
  const lowest = Math.min(...layers);
  const out = new Map<number, { dW: GpuTensor; db: GpuTensor }>();
  let d = finalNormBackward(model, dHidden, tape);
  for (let i = model.config.nLayer - 1; i >= lowest; i--) {
    if (layers.includes(i)) {
      const t = tape.blocks.get(i);
      if (!t) throw new Error(`mlpProjGrads: no tape for block ${i}`);
      const keys = gelu(ctx, t.pre);
      out.set(i, linearWeightGrads(ctx, keys, d));
      ctx.release(keys);
    }
    if (i > lowest) {
      const next = blockBackward(model, i, d, batch, tape);
      ctx.release(d);
      d = next;
    }
  }
  ctx.release(d);
  return out;
}
