// A cache of key statistics C = (1/N)·Σ k kᵀ (spec step 3). Collecting C for one
// layer costs a forward pass over a whole corpus, and ROME computes it once per
// model and layer and reuses it for every edit, so it is stored across sessions:
// in IndexedDB in the browser (stats-cache-idb.ts), in files in Node
// (stats-cache-node.ts), in memory for tests. Every store writes an entry whole
// or not at all.

/** What a C was computed from: a different value of any field is a different C. */
export interface StatsKey {
  /** The model's identity (hub id plus revision, or a hash of its weights). */
  readonly modelId: string;
  /** The layer whose c_proj inputs (the keys) were collected. */
  readonly layer: number;
  /** The corpus (name plus version or hash of the sample). */
  readonly corpusId: string;
  /** N: the number of token positions the corpus gave. */
  readonly tokenCount: number;
  /** The precision the sum Σ kkᵀ was accumulated in. */
  readonly mom2Dtype: 'float32' | 'float64';
}

export type StatsMeta = Readonly<Record<string, string | number | boolean | null>>;

export interface StoredStats {
  /** C = Σ kkᵀ / N, row-major dim×dim. Treat as read-only: a store may hand out the same array twice. */
  readonly matrix: Float64Array | Float32Array;
  readonly dim: number;
  /** N, the number of keys averaged. */
  readonly count: number;
  /** Provenance for people (when, by what, from which files); JSON-serialisable. */
  readonly meta?: StatsMeta;
}

export interface StatsStore {
  /** The stats stored under `key`, or null (never a partial entry). */
  get(key: StatsKey): Promise<StoredStats | null>;
  /** Store (or replace) the stats under `key`, atomically. */
  put(key: StatsKey, stats: StoredStats): Promise<void>;
}

/** A canonical string for a key: equal keys, equal strings; field order and types fixed. */
export function statsKeyId(key: StatsKey): string {
  checkKey(key);
  return JSON.stringify([key.modelId, key.layer, key.corpusId, key.tokenCount, key.mom2Dtype]);
}

export function checkKey(key: StatsKey): void {
  if (typeof key.modelId !== 'string' || !key.modelId) throw new TypeError('stats key: modelId must be a non-empty string');
  if (typeof key.corpusId !== 'string' || !key.corpusId) throw new TypeError('stats key: corpusId must be a non-empty string');
  if (!Number.isSafeInteger(key.layer) || key.layer < 0) throw new TypeError(`stats key: layer must be an integer ≥ 0, got ${key.layer}`);
  if (!Number.isSafeInteger(key.tokenCount) || key.tokenCount <= 0) {
    throw new TypeError(`stats key: tokenCount must be a positive integer, got ${key.tokenCount}`);
  }
  if (key.mom2Dtype !== 'float32' && key.mom2Dtype !== 'float64') throw new TypeError(`stats key: mom2Dtype must be float32 or float64`);
}

/** Refuse stats whose parts disagree, before anything is written. */
export function checkStats(stats: StoredStats): void {
  const { matrix, dim, count } = stats;
  if (!(matrix instanceof Float64Array || matrix instanceof Float32Array)) throw new TypeError('stats: matrix must be a Float64Array or Float32Array');
  if (!Number.isSafeInteger(dim) || dim <= 0 || matrix.length !== dim * dim) {
    throw new TypeError(`stats: matrix has ${matrix.length} entries, expected dim² = ${dim}²`);
  }
  if (!Number.isSafeInteger(count) || count <= 0) throw new TypeError(`stats: count must be a positive integer, got ${count}`);
}

/** In-memory store (tests, and a per-session layer in front of a persistent one). */
export class MemoryStatsStore implements StatsStore {
  private readonly entries = new Map<string, StoredStats>();

  async get(key: StatsKey): Promise<StoredStats | null> {
    return this.entries.get(statsKeyId(key)) ?? null;
  }

  async put(key: StatsKey, stats: StoredStats): Promise<void> {
    const id = statsKeyId(key);
    checkStats(stats);
    // A copy, so later writes to the caller's array cannot change the cached C.
    this.entries.set(id, { ...stats, matrix: stats.matrix.slice(), meta: stats.meta && { ...stats.meta } });
  }

  get size(): number {
    return this.entries.size;
  }
}
