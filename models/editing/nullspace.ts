// AlphaEdit's null-space projector P = U₀U₀ᵀ (AlphaEdit_main.get_project):
// U₀ = the eigenvectors of the unedited C_l whose eigenvalue (C is symmetric
// PSD, so its singular values are |λ|) lies below `nullspace_threshold`.
// P is kept in factored form, U₀ as rows [r, f]: P·x = U₀ᵀ(U₀x) costs 2rf per
// vector instead of f², and U₀ holds r·f doubles instead of f². At GPT-2-XL's
// f = 6400 a dense P is 6400²·8 B = 328 MB per edited layer (1.64 GB for five),
// U₀ is 51 KB per null-space dimension (r = 3200: 164 MB).
//
// The eigendecomposition costs minutes at f = 6400, so it is computed once per
// model, layer and statistics and cached in the statistics store, under the
// statistics' key with "#eigh" appended to the corpus id: the matrix is the
// eigenvectors (rows), the eigenvalues ride in the entry's metadata (JSON,
// exact). Any threshold is then a cheap cut of the cached decomposition.
import { symmetricEigenAsync, type EigenAsyncOptions, type SymmetricEigen } from './eigen.ts';
import type { StatsKey, StatsStore } from './stats-cache.ts';

export interface NullSpace {
  /** f: the key dimension. */
  dim: number;
  threshold: number;
  /** r = dim U₀ = rank of P. */
  rank: number;
  /** U₀, row-major [rank, dim], orthonormal rows. */
  basis: Float64Array;
  /** The eigenvalues just below and above the threshold (how clean the cut is), NaN when none. */
  below: number;
  above: number;
}

export function nullSpaceFromEigen(eig: SymmetricEigen, threshold: number): NullSpace {
  if (!(threshold > 0) || !Number.isFinite(threshold)) throw new Error(`nullspace_threshold must be a positive number, got ${threshold}`);
  const { n, values, vectors } = eig;
  const keep: number[] = [];
  let below = NaN;
  let above = NaN;
  for (let i = 0; i < n; i++) {
    const s = Math.abs(values[i]!);
    if (s < threshold) {
      keep.push(i);
      if (Number.isNaN(below) || s > below) below = s;
    } else if (Number.isNaN(above) || s < above) above = s;
  }
  const basis = new Float64Array(keep.length * n);
  keep.forEach((i, q) => basis.set(vectors.subarray(i * n, i * n + n), q * n));
  return { dim: n, threshold, rank: keep.length, basis, below, above };
}

/** P·x = U₀ᵀ(U₀x). */
export function projectorApply(ns: NullSpace, x: ArrayLike<number>): Float64Array {
  const { dim: n, rank: r, basis: u } = ns;
  const out = new Float64Array(n);
  for (let q = 0; q < r; q++) {
    const o = q * n;
    let c = 0;
    for (let k = 0; k < n; k++) c += u[o + k]! * x[k]!;
    if (c !== 0) for (let k = 0; k < n; k++) out[k]! += c * u[o + k]!;
  }
  return out;
}

/** P·S for a row-major n×n S, in factored form: T = U₀S [r, n], then U₀ᵀT. 4·r·n² multiply-adds. */
export function projectorTimes(ns: NullSpace, s: Float64Array): Float64Array {
  const { dim: n, rank: r, basis: u } = ns;
  const t = new Float64Array(r * n);
  for (let q = 0; q < r; q++) {
    const tq = t.subarray(q * n, q * n + n);
    const uq = q * n;
    for (let a = 0; a < n; a++) {
      const c = u[uq + a]!;
      if (c === 0) continue;
      const sa = a * n;
      for (let b = 0; b < n; b++) tq[b]! += c * s[sa + b]!;
    }
  }
  const out = new Float64Array(n * n);
  for (let q = 0; q < r; q++) {
    const tq = q * n;
    const uq = q * n;
    for (let a = 0; a < n; a++) {
      const c = u[uq + a]!;
      if (c === 0) continue;
      const oa = a * n;
      for (let b = 0; b < n; b++) out[oa + b]! += c * t[tq + b]!;
    }
  }
  return out;
}

/** The cache key of C's eigendecomposition. */
export function eigenKey(key: StatsKey): StatsKey {
  return { ...key, corpusId: `${key.corpusId}#eigh` };
}

/** C's eigendecomposition from the store, or computed (float64, cooperatively) and stored. */
export async function cachedEigen(
  store: StatsStore | null,
  key: StatsKey | null,
  C: Float64Array | Float32Array,
  dim: number,
  opts: EigenAsyncOptions = {},
): Promise<SymmetricEigen> {
  const k = store && key ? eigenKey(key) : null;
  if (store && k) {
    const hit = await store.get(k);
    const values = typeof hit?.meta?.eigenvalues === 'string' ? (JSON.parse(hit.meta.eigenvalues) as number[]) : null;
    if (hit && values && hit.dim === dim && values.length === dim) return { n: dim, values: Float64Array.from(values), vectors: Float64Array.from(hit.matrix) };
  }
  const eig = await symmetricEigenAsync(C, dim, opts);
  if (store && k) {
    await store.put(k, {
      matrix: eig.vectors,
      dim,
      count: key!.tokenCount,
      meta: { what: 'eigenvectors (rows) of C, ascending eigenvalues', eigenvalues: JSON.stringify(Array.from(eig.values)), computed: new Date().toISOString() },
    });
  }
  return eig;
}
