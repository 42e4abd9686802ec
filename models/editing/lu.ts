// Float64 LU factorisation with partial pivoting, P·A = L·U, and solves.
// AlphaEdit's system (P(KKᵀ + Kp) + αI)·X = P·K is not symmetric, so the
// Cholesky code cannot serve; this is the plain right-looking elimination on
// row-major storage (each update is an axpy over a contiguous row), ≈ ⅔n³
// multiply-adds: n = 6400 in about a minute in JS. A generator of checkpoints,
// as cholesky.ts: synchronous (`lu`) or cooperative (`luAsync`).
import { runSteps, runStepsAsync, type StepsOptions } from './steps.ts';

export interface LuFactor {
  readonly n: number;
  /** Row-major n×n: U on and above the diagonal, L (unit diagonal) below. */
  readonly lu: Float64Array;
  /** Row i of the factor is row perm[i] of A. */
  readonly perm: Int32Array;
}

export class SingularMatrixError extends Error {
  constructor(readonly column: number, readonly n: number) {
    super(`matrix is singular to float64 precision: no non-zero pivot in column ${column} of ${n}`);
    this.name = 'SingularMatrixError';
  }
}

export interface LuAsyncOptions extends StepsOptions {
  /** Factor in place (a must be a Float64Array; it is destroyed). */
  overwrite?: boolean;
}

export function lu(a: ArrayLike<number>, n: number, options: { overwrite?: boolean } = {}): LuFactor {
  return runSteps(luSteps(a, n, Infinity, options.overwrite ?? false));
}

export async function luAsync(a: ArrayLike<number>, n: number, options: LuAsyncOptions = {}): Promise<LuFactor> {
  return runStepsAsync(luSteps(a, n, options.checkpointWork ?? 2e7, options.overwrite ?? false), options);
}

function* luSteps(a: ArrayLike<number>, n: number, checkpointWork: number, overwrite: boolean): Generator<number, LuFactor, void> {
  if (!Number.isSafeInteger(n) || n < 1) throw new RangeError(`lu: invalid size ${n}`);
  if (a.length !== n * n) throw new RangeError(`lu: matrix has ${a.length} entries, expected ${n}×${n}`);
  if (overwrite && !(a instanceof Float64Array)) throw new TypeError('lu: overwrite needs a Float64Array');
  const m = overwrite ? (a as Float64Array) : Float64Array.from(a);
  const perm = Int32Array.from({ length: n }, (_, i) => i);
  const total = (n * n * n) / 3 + 1;
  let done = 0;
  let since = 0;
  const tmp = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    let p = k;
    let best = Math.abs(m[k * n + k]!);
    for (let i = k + 1; i < n; i++) {
      const v = Math.abs(m[i * n + k]!);
      if (v > best) {
        best = v;
        p = i;
      }
    }
    if (!(best > 0)) throw new SingularMatrixError(k, n);
    if (p !== k) {
      tmp.set(m.subarray(k * n, k * n + n));
      m.copyWithin(k * n, p * n, p * n + n);
      m.set(tmp, p * n);
      const t = perm[k]!;
      perm[k] = perm[p]!;
      perm[p] = t;
    }
    const rk = k * n;
    const pivot = m[rk + k]!;
    for (let i = k + 1; i < n; i++) {
      const ri = i * n;
      const l = m[ri + k]! / pivot;
      m[ri + k] = l;
      if (l !== 0) for (let j = k + 1; j < n; j++) m[ri + j]! -= l * m[rk + j]!;
    }
    const work = (n - k - 1) * (n - k - 1);
    done += work;
    since += work;
    if (since >= checkpointWork && done < total) {
      since = 0;
      yield done / total;
    }
  }
  return { n, lu: m, perm };
}

/** Solve A·x = b for each right-hand side. */
export function luSolve(factor: LuFactor, rhs: readonly ArrayLike<number>[]): Float64Array[] {
  const { n, lu: m, perm } = factor;
  return rhs.map((b) => {
    if (b.length !== n) throw new RangeError(`luSolve: right-hand side has length ${b.length}, the factor is ${n}×${n}`);
    const x = Float64Array.from(perm, (p) => b[p]!);
    for (let i = 0; i < n; i++) {
      const ri = i * n;
      let s = x[i]!;
      for (let k = 0; k < i; k++) s -= m[ri + k]! * x[k]!;
      x[i] = s;
    }
    for (let i = n - 1; i >= 0; i--) {
      const ri = i * n;
      let s = x[i]!;
      for (let k = i + 1; k < n; k++) s -= m[ri + k]! * x[k]!;
      x[i] = s / m[ri + i]!;
    }
    return x;
  });
}
