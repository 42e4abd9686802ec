// GPT-2 over rows with explicit positions, attention reading keys and values
// from a cache (kernels/attention-cached.ts). Two uses:
//   KvCache: generation. The prompts run once (prefill), then each new token
//     is one row per live sequence; every layer keeps its keys and values.
//   packedHidden: scoring. Sequences of different lengths are packed into one
//     pass with no padding rows at all; one cache buffer serves every layer
//     (a layer writes the keys and values of all rows before its attention
//     reads them, and nothing is kept for later).
// The blocks are those of model.ts, in the same order with the same kernels.
import type { GpuContext } from '../gpu/context.ts';
import type { GpuTensor } from '../gpu/tensor.ts';
import { addInto } from '../kernels/add.ts';
import { addPositionsAt, attentionCached, kvWrite, type CachedRows } from '../kernels/attention-cached.ts';
import { gatherRows } from '../kernels/embedding.ts';
import { gelu } from '../kernels/gelu.ts';
import { layerNorm } from '../kernels/layernorm.ts';
import { matmul } from '../kernels/matmul.ts';
import type { Gpt2Model } from './model.ts';

const NONE = 0xffffffff;

/** Flat rows: token ids, their positions and sequences (host side). */
interface Rows {
  ids: Uint32Array;
  pos: Uint32Array;
  seq: Uint32Array;
}

/** Rows for tokens[b] of sequence b at positions start[b].., in order; throws on a bad id. */
function flatRows(model: Gpt2Model, tokens: readonly (readonly number[])[], start: readonly number[]): Rows {
  const total = tokens.reduce((a, t) => a + t.length, 0);
  const rows: Rows = { ids: new Uint32Array(total), pos: new Uint32Array(total), seq: new Uint32Array(total) };
  let r = 0;
  tokens.forEach((seq, b) => {
    seq.forEach((id, t) => {
      if (!Number.isInteger(id) || id < 0 || id >= model.config.vocabSize) throw new Error(`token id ${id} is outside the vocabulary`);
      rows.ids[r] = id;
      rows.pos[r] = start[b]! + t;
      rows.seq[r++] = b;
    });
  });
  return rows;
}

/** The residual stream after every block for these rows, [rows, d]; cacheOf(i) is layer i's cache. */
function runBlocks(model: Gpt2Model, rows: Rows, cacheOf: (layer: number) => GpuTensor): GpuTensor {
  const { ctx, config: c, weights: w } = model;
  const n = rows.ids.length;
  const idsT = ctx.upload(rows.ids, [n], 'u32', 'kv.ids');
  const at: CachedRows = { pos: ctx.upload(rows.pos, [n], 'u32', 'kv.pos'), seq: ctx.upload(rows.seq, [n], 'u32', 'kv.seq') };
  const h = ctx.empty([n, c.nEmbd], 'f32', 'kv.h');
  for (const chunk of w.wte) gatherRows(ctx, chunk.table, idsT, { rowOffset: chunk.rowOffset, out: h });
  addPositionsAt(ctx, h, w.wpe, at.pos);
  const eps = c.layerNormEpsilon;
  w.blocks.forEach((blk, i) => {
    // Attention: h = h + proj(attn(ln_1(h))), keys and values through the cache.
    const x1 = layerNorm(ctx, h, blk.ln1.g, blk.ln1.b, { eps });
    const qkv = matmul(ctx, x1, blk.attn.w, { bias: blk.attn.b });
    const cache = cacheOf(i);
    kvWrite(ctx, qkv, at, cache);
    const att = attentionCached(ctx, qkv, at, cache, c.nHead);
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
  ctx.release(idsT, at.pos, at.seq);
  return h;
}

function checkLength(model: Gpt2Model, length: number): void {
  if (length > model.config.nPositions) throw new Error(`a sequence of ${length} tokens exceeds the model's ${model.config.nPositions} positions`);
}

/**
 * ln_f(h) of every token of every sequence, packed: row r of the result is
 * token t of sequence b in order (b, then t), [Σ lengths, d]. No padding.
 */
export function packedHidden(model: Gpt2Model, seqs: readonly (readonly number[])[]): GpuTensor {
  const { ctx, config: c, weights: w } = model;
  const tmax = Math.max(1, ...seqs.map((s) => s.length));
  checkLength(model, tmax);
  if (seqs.every((s) => s.length === 0)) throw new Error('packedHidden: no tokens');
  const rows = flatRows(model, seqs, seqs.map(() => 0));
  const cache = ctx.empty([seqs.length, tmax, 2 * c.nEmbd], 'f32', 'packed.kv');
  const h = runBlocks(model, rows, () => cache);
  const hidden = layerNorm(ctx, h, w.lnF.g, w.lnF.b, { eps: c.layerNormEpsilon });
  ctx.release(cache, h);
  return hidden;
}

export class KvCache {
  /** Per layer, f32 [B, tmax, 2d]. */
  private readonly layers: GpuTensor[];
  /** Positions filled per sequence. */
  readonly lengths: number[];
  private readonly ctx: GpuContext;

  constructor(
    private readonly model: Gpt2Model,
    readonly batch: number,
    readonly tmax: number,
  ) {
    const { ctx, config } = model;
    this.ctx = ctx;
    checkLength(model, tmax);
    this.layers = Array.from({ length: config.nLayer }, () => ctx.empty([batch, tmax, 2 * config.nEmbd], 'f32', 'kv'));
    this.lengths = new Array<number>(batch).fill(0);
  }

  /**
   * Run new tokens (tokens[b] for sequence b, any lengths, empty for none)
   * through the model, appending their keys and values; returns ln_f of each
   * sequence's last new token, [B, d] (zeros for sequences given none).
   */
  append(tokens: readonly (readonly number[])[]): GpuTensor {
    const { ctx } = this;
    const { config: c, weights: w } = this.model;
    const B = this.batch;
    if (tokens.length !== B) throw new Error(`KvCache.append: ${tokens.length} sequences for a cache of ${B}`);
    tokens.forEach((seq, b) => {
      if (this.lengths[b]! + seq.length > this.tmax) throw new Error(`sequence ${b} would exceed the cache's ${this.tmax} positions`);
    });
    const rows = flatRows(this.model, tokens, this.lengths);
    if (rows.ids.length === 0) throw new Error('KvCache.append: no tokens');
    const h = runBlocks(this.model, rows, (i) => this.layers[i]!);
    // Each sequence's last new row (rows are in sequence order).
    const last = new Uint32Array(B).fill(NONE);
    let end = 0;
    tokens.forEach((seq, b) => {
      end += seq.length;
      if (seq.length) last[b] = end - 1;
    });
    const lastT = ctx.upload(last, [B], 'u32', 'kv.last');
    const hs = gatherRows(ctx, h, lastT);
    const hidden = layerNorm(ctx, hs, w.lnF.g, w.lnF.b, { eps: c.layerNormEpsilon });
    ctx.release(h, lastT, hs);
    tokens.forEach((seq, b) => (this.lengths[b]! += seq.length));
    return hidden;
  }

  release(): void {
    this.ctx.release(...this.layers);
  }
}
