// ROME's published key statistics, which are .npz archives (io/npz.ts).
//
// ROME (kmeng01/rome, rome/layer_stats.py + util/runningstats.py) saves
// CombinedStat(mom2=SecondMoment()).state_dict() with numpy.savez, keys joined by
// ".": `mom2.mom2` (Σ k kᵀ over all tokens, [f, f], in the collection precision),
// `mom2.count` (N, an int64 scalar), `mom2.constructor` (a '<U' string) and
// `sample_size` (int64, or a NaN-boxed null). compute_u uses C = mom2 / count.
import type { ByteSource } from '../io/byte-source.ts';
import { npyScalar, type NpyArray } from '../io/npy.ts';
import { NpzError, openNpz } from '../io/npz.ts';

/** Key statistics as ROME uses them: C = (1/N)·Σ k kᵀ. */
export interface RomeCovariance {
  /** f: the key dimension (4·n_embd for GPT-2). */
  readonly dim: number;
  /** C = mom2 / count, row-major [dim, dim], float64. */
  readonly covariance: Float64Array;
  /** N: the number of token keys summed. */
  readonly count: number;
  /** The dtype mom2 was stored in ('float32' for ROME's published files). */
  readonly mom2Dtype: string;
}

/**
 * The statistics file for one layer. One .npz holds one layer's statistics, so a
 * multi-layer method (MEMIT, AlphaEdit) names them with "{layer}" in the path;
 * a path without it whose file name names another layer (ROME's
 * "…h.17.mlp…", our "layer2_mom2.npz") is refused rather than silently used
 * for this one.
 */
export function npzPathForLayer(path: string, layer: number): string {
  if (path.includes('{layer}')) return path.replaceAll('{layer}', String(layer));
  const name = path.slice(path.lastIndexOf('/') + 1);
  const named = /(?:^|[^a-z])(?:layer|h\.)(\d+)(?=[._])/i.exec(name);
  if (named && Number(named[1]) !== layer) {
    throw new RomeStatsLayerError(`${path} holds the statistics of layer ${named[1]}, not of layer ${layer}: for edits at several layers, write {layer} in the path (e.g. layer{layer}_mom2.npz)`);
  }
  return path;
}

export class RomeStatsLayerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RomeStatsLayerError';
  }
}

/**
 * The names tried for Σ kkᵀ and N: ROME's own ("mom2.mom2", "mom2.count"), then the
 * same with "/" (archives re-saved with nested keys) and bare ("mom2", "count").
 */
const MOM2_KEYS = [
  ['mom2.mom2', 'mom2.count'],
  ['mom2/mom2', 'mom2/count'],
  ['mom2', 'count'],
] as const;

function romeKeys(names: readonly string[], what: string): readonly [string, string] {
  const keys = MOM2_KEYS.find(([m, c]) => names.includes(m) && names.includes(c));
  if (!keys) {
    throw new NpzError(
      `${what} is not a ROME second-moment file: expected arrays "mom2.mom2" and "mom2.count" (ROME's layer_stats), found: ${names.join(', ') || 'none'}`,
    );
  }
  return keys;
}

/** C = mom2 / count from the arrays of a ROME layer_stats .npz. */
export function covarianceFromRomeNpz(arrays: ReadonlyMap<string, NpyArray>, what = 'archive'): RomeCovariance {
  const [mom2Key, countKey] = romeKeys([...arrays.keys()], what);
  return romeCovariance(arrays.get(mom2Key)!, arrays.get(countKey)!, what);
}

/** Read just mom2 and count from a ROME stats .npz (e.g. over HTTP ranges) and return C. */
export async function loadRomeCovariance(source: ByteSource, signal?: AbortSignal): Promise<RomeCovariance> {
  const archive = await openNpz(source, signal);
  const [mom2Key, countKey] = romeKeys(archive.names, source.name);
  const count = await archive.read(countKey, signal);
  return romeCovariance(await archive.read(mom2Key, signal), count, source.name);
}

function romeCovariance(mom2: NpyArray, countArray: NpyArray, what: string): RomeCovariance {
  const count = npyScalar(countArray);
  if (!Number.isSafeInteger(count) || count <= 0) throw new NpzError(`${what}: mom2.count is ${count}, expected a positive integer`);
  const [rows, cols] = mom2.shape;
  if (mom2.shape.length !== 2 || rows !== cols) throw new NpzError(`${what}: mom2.mom2 has shape (${mom2.shape.join(', ')}), expected a square matrix`);
  const data = mom2.data;
  if (!(data instanceof Float32Array || data instanceof Float64Array)) {
    throw new NpzError(`${what}: mom2.mom2 has dtype '${mom2.descr}', expected a float`);
  }
  const covariance = new Float64Array(data.length);
  for (let i = 0; i < data.length; i++) covariance[i] = data[i]! / count;
  return { dim: rows!, covariance, count, mom2Dtype: mom2.dtype };
}

export interface RomeStatsFile {
  /** As ROME names it: the HF name with "/" → "_", e.g. "gpt2-xl", "EleutherAI_gpt-j-6B". */
  model: string;
  layer: number;
  /** "wikipedia" (ROME's default) or "wikitext". */
  dataset?: string;
  /** The collection precision: "float32" for the published files. */
  precision?: string;
  /** Number of dataset texts sampled; ROME's default is 100000. null = all. */
  sampleSize?: number | null;
}

/**
 * Where ROME caches (and rome.baulab.info/data/stats/ publishes) a layer's mom2 stats,
 * mirroring layer_stats(): `{model}/{dataset}_stats/transformer.h.{l}.mlp.c_proj_{precision}_mom2_{N}.npz`.
 * GPT-2 only (GPT-J's layer is "fc_out").
 */
export function romeStatsPath(file: RomeStatsFile): string {
  const dataset = file.dataset ?? 'wikipedia';
  const precision = file.precision ?? 'float32';
  const sampleSize = file.sampleSize === undefined ? 100000 : file.sampleSize;
  const suffix = sampleSize === null ? '' : `_${sampleSize}`;
  return `${file.model}/${dataset}_stats/transformer.h.${file.layer}.mlp.c_proj_${precision}_mom2${suffix}.npz`;
}
