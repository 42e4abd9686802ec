// GPT-2's weights on the GPU, uploaded tensor by tensor from a byte source
// after the safetensors header has been validated against the config.
// F16 stays packed (half the memory; kernels unpack). The token embedding is
// stored in row chunks: its 50257 rows exceed one binding on many devices, and
// the unembedding streams the vocabulary chunk by chunk anyway.
import type { GpuContext } from '../gpu/context.ts';
import type { DType, GpuTensor } from '../gpu/tensor.ts';
import type { EmbeddingChunk } from '../kernels/embedding.ts';
import type { ByteSource } from '../io/byte-source.ts';
import type { Gpt2Config } from './config.ts';
import type { SafetensorsTensorInfo } from './safetensors.ts';
import { blockWeightNames } from './weights.ts';

export interface GpuLinear {
  /** [in, out] (Conv1D layout). */
  w: GpuTensor;
  b: GpuTensor;
}

export interface GpuLayerNorm {
  g: GpuTensor;
  b: GpuTensor;
}

export interface GpuBlock {
  ln1: GpuLayerNorm;
  attn: GpuLinear;
  attnProj: GpuLinear;
  ln2: GpuLayerNorm;
  fc: GpuLinear;
  mlpProj: GpuLinear;
}

export interface GpuGpt2Weights {
  /** Row chunks of wte [vocab, d], in order, covering every row. */
  wte: EmbeddingChunk[];
  wpe: GpuTensor;
  blocks: GpuBlock[];
  lnF: GpuLayerNorm;
  /** Every tensor by canonical name (wte as its chunks: wte.weight#0, ...). */
  byName: Map<string, GpuTensor>;
  bytes: number;
}

export interface UploadProgress {
  /** Bytes read from the source so far, and in all. */
  loaded: number;
  total: number;
  /** Where the last tensor came from. */
  from: 'network' | 'cache' | 'disk';
  tensor: string;
}

export interface UploadOptions {
  /** Rows per wte chunk; default about VOCAB_CHUNK_BYTES of rows, within one binding. */
  vocabChunkRows?: number;
  onProgress?: (p: UploadProgress) => void;
  signal?: AbortSignal;
}

/** Bytes per wte chunk by default: few chunks (each costs a pass of dispatches), each far below any binding limit. */
export const VOCAB_CHUNK_BYTES = 32 * 2 ** 20;

export function vocabChunkRows(ctx: GpuContext, config: Gpt2Config, itemSize: number, requested?: number): number {
  const lim = Math.min(ctx.limits.maxStorageBufferBindingSize, ctx.limits.maxBufferSize);
  const fit = Math.floor(lim / (config.nEmbd * itemSize));
  const preferred = Math.max(4096, Math.floor(VOCAB_CHUNK_BYTES / (config.nEmbd * itemSize)));
  return Math.max(1, Math.min(requested ?? preferred, fit, config.vocabSize));
}

export async function uploadGpt2Weights(
  ctx: GpuContext,
  config: Gpt2Config,
  tensors: ReadonlyMap<string, SafetensorsTensorInfo>,
  source: ByteSource,
  opts: UploadOptions = {},
): Promise<GpuGpt2Weights> {
  const byName = new Map<string, GpuTensor>();
  let total = 0;
  for (const info of tensors.values()) total += info.byteLength;
  let loaded = 0;
  const uploaded: GpuTensor[] = [];

  const read = async (name: string, info: SafetensorsTensorInfo, offset: number, length: number) => {
    opts.signal?.throwIfAborted();
    const bytes = await source.read(info.byteOffset + offset, length, opts.signal);
    loaded += length;
    opts.onProgress?.({ loaded, total, from: source.lastReadFrom ?? 'disk', tensor: name });
    return bytes;
  };
  const dtypeOf = (info: SafetensorsTensorInfo): DType => (info.dtype === 'F16' ? 'f16' : 'f32');

  try {
    for (const [name, info] of tensors) {
      if (name === 'wte.weight') continue;
      const bytes = await read(name, info, 0, info.byteLength);
      const t = ctx.uploadBytes(bytes, info.shape, dtypeOf(info), name);
      uploaded.push(t);
      byName.set(name, t);
    }
    const wteInfo = tensors.get('wte.weight');
    if (!wteInfo) throw new Error('wte.weight is missing');
    const item = wteInfo.dtype === 'F16' ? 2 : 4;
    const rowsPer = vocabChunkRows(ctx, config, item, opts.vocabChunkRows);
    const wte: EmbeddingChunk[] = [];
    for (let r0 = 0; r0 < config.vocabSize; r0 += rowsPer) {
      const rows = Math.min(rowsPer, config.vocabSize - r0);
      const rowBytes = config.nEmbd * item;
      const bytes = await read('wte.weight', wteInfo, r0 * rowBytes, rows * rowBytes);
      const t = ctx.uploadBytes(bytes, [rows, config.nEmbd], dtypeOf(wteInfo), `wte.weight#${wte.length}`);
      uploaded.push(t);
      byName.set(`wte.weight#${wte.length}`, t);
      wte.push({ table: t, rowOffset: r0 });
    }

    const get = (n: string): GpuTensor => {
      const t = byName.get(n);
      if (!t) throw new Error(`${n} is missing`);
      return t;
    };
    const blocks: GpuBlock[] = [];
    for (let i = 0; i < config.nLayer; i++) {
      const n = blockWeightNames(i);
      blocks.push({
        ln1: { g: get(n.ln1Weight), b: get(n.ln1Bias) },
        attn: { w: get(n.attnWeight), b: get(n.attnBias) },
        attnProj: { w: get(n.attnProjWeight), b: get(n.attnProjBias) },
        ln2: { g: get(n.ln2Weight), b: get(n.ln2Bias) },
        fc: { w: get(n.fcWeight), b: get(n.fcBias) },
        mlpProj: { w: get(n.mlpProjWeight), b: get(n.mlpProjBias) },
      });
    }
    await ctx.sync();
    return { wte, wpe: get('wpe.weight'), blocks, lnF: { g: get('ln_f.weight'), b: get('ln_f.bias') }, byName, bytes: total };
  } catch (e) {
    // Nothing half-loaded stays on the GPU.
    for (const t of uploaded) t.buffer.destroy();
    throw e;
  }
}

export function destroyGpt2Weights(w: GpuGpt2Weights): void {
  for (const t of w.byName.values()) t.buffer.destroy();
  w.byName.clear();
}
