// GPT-2 with a key/value cache, for generation: the prompt runs once
// (prefill), then every new token runs as one row per sequence through the
// same blocks as model.ts, its attention reading the cached keys and values
// of all earlier positions (kernels/attention-cached.ts).
import type { GpuTensor } from '../gpu/tensor.ts';
import { addInto } from '../kernels/add.ts';
import { addPositionsAt, attentionCached, kvWrite, NO_POS } from '../kernels/attention-cached.ts';
import { gatherRows } from '../kernels/embedding.ts';
import { gelu } from '../kernels/gelu.ts';
import { layerNorm } from '../kernels/layernorm.ts';
import { matmul } from '../kernels/matmul.ts';
import type { Gpt2Model } from './model.ts';

export class KvCache {
  /** Per layer, f32 [B, tmax, 2d]. */
  private readonly layers: GpuTensor[];
  /** Positions filled per sequence. */
  readonly lengths: number[];

  constructor(
    private readonly model: Gpt2Model,
    readonly batch: number,
    readonly tmax: number,
  ) {
    const { ctx, config } = model;
    if (tmax > config.nPositions) throw new Error(`a cache of ${tmax} positions exceeds the model's ${config.nPositions}`);
    this.layers = Array.from({ length: config.nLayer }, () => ctx.empty([batch, tmax, 2 * config.nEmbd], 'f32', 'kv'));
    this.lengths = new Array<number>(batch).fill(0);
  }

  /**
   * Run new tokens (tokens[b] for sequence b, any lengths, empty for none)
   * through the model, appending their keys and values; returns ln_f of each
   * sequence's last new token, [B, d] (zeros for sequences given none).
   */
  append(tokens: readonly (readonly number[])[]): GpuTensor {
    const { ctx, config: c, weights: w } = this.model;
    const B = this.batch;
    if (tokens.length !== B) throw new Error(`KvCache.append: ${tokens.length} sequences for a cache of ${B}`);
    const n = Math.max(1, ...tokens.map((t) => t.length));
    const ids = new Uint32Array(B * n);
    const pos = new Uint32Array(B * n).fill(NO_POS);
    const last = new Uint32Array(B).fill(0xffffffff);
    tokens.forEach((seq, b) => {
      if (this.lengths[b]! + seq.length > this.tmax) throw new Error(`sequence ${b} would exceed the cache's ${this.tmax} positions`);
      seq.forEach((id, t) => {
        if (!Number.isInteger(id) || id < 0 || id >= c.vocabSize) throw new Error(`token id ${id} is outside the vocabulary`);
        ids[b * n + t] = id;
        pos[b * n + t] = this.lengths[b]! + t;
      });
      if (seq.length) last[b] = b * n + seq.length - 1;
    });
    const idsT = ctx.upload(ids, [B * n], 'u32', 'kv.ids');
    const posT = ctx.upload(pos, [B * n], 'u32', 'kv.pos');
    const h = ctx.empty([B * n, c.nEmbd], 'f32', 'kv.h');
    for (const chunk of w.wte) gatherRows(ctx, chunk.table, idsT, { rowOffset: chunk.rowOffset, out: h });
    addPositionsAt(ctx, h, w.wpe, posT);
    const eps = c.layerNormEpsilon;
    w.blocks.forEach((blk, i) => {
      // Attention: h = h + proj(attn(ln_1(h))), keys and values from the cache.
      const x1 = layerNorm(ctx, h, blk.ln1.g, blk.ln1.b, { eps });
      const qkv = matmul(ctx, x1, blk.attn.w, { bias: blk.attn.b });
      kvWrite(ctx, qkv, posT, this.layers[i]!, n);
      const att = attentionCached(ctx, qkv, posT, this.layers[i]!, c.nHead, n);
      const attOut = matmul(ctx, att, blk.attnProj.w, { bias: blk.attnProj.b });
      addInto(ctx, h, attOut);
      ctx.release(x1, qkv, att, attOut);
      // MLP: h = h + proj(gelu(fc(ln_2(h))))
      const x2 = layerNorm(ctx, h, blk.ln2.g, blk.ln2.b, { eps });
      const pre = matmul(ctx, x2, blk.fc.w, { bias: blk.fc.b });
      const act = gelu(ctx, pre);
      const mlpOut = matmul(ctx, act, blk.mlpProj.w, { bias: blk.mlpProj.b });
      addInto(ctx, h, mlpOut);
      ctx.release(x2, pre, act, mlpOut);
    });
    const lastT = ctx.upload(last, [B], 'u32', 'kv.last');
    const hs = gatherRows(ctx, h, lastT);
    const hidden = layerNorm(ctx, hs, w.lnF.g, w.lnF.b, { eps });
    ctx.release(idsT, posT, h, lastT, hs);
    tokens.forEach((seq, b) => (this.lengths[b]! += seq.length));
    return hidden;
  }

  release(): void {
    this.model.ctx.release(...this.layers);
  }
}
