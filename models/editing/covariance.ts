// Key statistics C = (1/N) Σ_t k_t k_tᵀ over every position of every
// sequence (rome.md step 3): the uncentred second moment of c_proj inputs,
// from the model as it is now (callers pass the unedited model). Gram
// matrices are summed on the GPU in f32 per batch and folded into a float64
// sum on the CPU, so long corpora do not lose precision.
import { add } from '../kernels/add.ts';
import { gatherRows } from '../kernels/embedding.ts';
import { matmul } from '../kernels/matmul.ts';
import type { Gpt2Model } from '../gpt2/model.ts';
import type { StatsKey } from './stats-cache.ts';

export interface KeyStats {
  /** C, row-major f×f, already divided by count. */
  C: Float64Array;
  dim: number;
  /** N: positions summed. */
  count: number;
  /** Where the statistics store keeps them (absent: not stored); what is derived from C (AlphaEdit's eigendecomposition) is stored beside it. */
  cacheKey?: StatsKey;
}

export interface CovarianceOptions {
  /** Most rows per forward pass. */
  maxRows?: number;
  /** Fold the GPU's f32 sum into float64 after about this many positions. */
  foldEvery?: number;
  signal?: AbortSignal;
  onProgress?: (tokensDone: number, tokensTotal: number) => void;
}

export async function keyCovariance(model: Gpt2Model, layer: number, seqs: readonly (readonly number[])[], opts: CovarianceOptions = {}): Promise<KeyStats> {
  const { ctx, config } = model;
  const f = config.nInner;
  const maxRows = opts.maxRows ?? 512;
  const foldEvery = opts.foldEvery ?? 16384;
  const pieces = seqs.flatMap((s) => chunk(s, Math.min(maxRows, config.nPositions))).filter((s) => s.length > 0);
  const total = pieces.reduce((a, s) => a + s.length, 0);
  if (total === 0) throw new Error('key statistics need at least one token');
  const sum = new Float64Array(f * f);
  let gpuSum = ctx.empty([f, f], 'f32', 'C.partial');
  let inGpuSum = 0;
  let done = 0;

  const fold = async () => {
    const part = await ctx.downloadF32(gpuSum);
    for (let i = 0; i < part.length; i++) sum[i]! += part[i]!;
    ctx.release(gpuSum);
    gpuSum = ctx.empty([f, f], 'f32', 'C.partial');
    inGpuSum = 0;
  };

  try {
    for (let i = 0; i < pieces.length; ) {
      opts.signal?.throwIfAborted();
      const group: (readonly number[])[] = [];
      let rows = 0;
      const T = pieces[i]!.length;
      while (i < pieces.length && (group.length + 1) * Math.max(T, pieces[i]!.length) <= maxRows) {
        group.push(pieces[i]!);
        rows += pieces[i]!.length;
        i++;
      }
      const batch = model.batch(group);
      const h = model.embed(batch);
      const out = model.blocks(h, batch, 0, layer + 1, { layer, captureKeys: true });
      // Padding rows hold keys of EOS tokens that are not in the corpus: keep only real rows.
      const valid = new Uint32Array(rows);
      let k = 0;
      group.forEach((s, b) => s.forEach((_, t) => (valid[k++] = b * batch.T + t)));
      const validRows = ctx.upload(valid, [rows], 'u32', 'C.rows');
      const keys = gatherRows(ctx, out.keys!, validRows); // [rows, f]
      const gram = matmul(ctx, keys, keys, { transA: true }); // [f, f]
      const next = add(ctx, gpuSum, gram);
      ctx.release(h, out.keys, validRows, keys, gram, gpuSum, batch.ids);
      gpuSum = next;
      inGpuSum += rows;
      done += rows;
      if (inGpuSum >= foldEvery) await fold();
      opts.onProgress?.(done, total);
    }
    opts.signal?.throwIfAborted();
    await fold();
  } finally {
    ctx.release(gpuSum);
  }
  for (let i = 0; i < sum.length; i++) sum[i] = sum[i]! / total;
  return { C: sum, dim: f, count: total };
}

function chunk(s: readonly number[], n: number): (readonly number[])[] {
  const out: (readonly number[])[] = [];
  for (let i = 0; i < s.length; i += n) out.push(s.slice(i, i + n));
  return out;
}
