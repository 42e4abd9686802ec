// Float64 eigendecomposition of a symmetric matrix: A = V·diag(λ)·Vᵀ.
// AlphaEdit's null-space projector needs the eigenvectors of C below a
// threshold, and C's spectrum is dense (methods.json: neighbouring eigenvalues
// 0.0982 | 0.1002 around the threshold): measured, a float32 decomposition
// already moves P past the 1e-3 goldens, so this runs in float64 on the CPU.
//
// Algorithm: Householder tridiagonalisation with accumulated transformations,
// then the implicit QL method with Wilkinson-style shifts (EISPACK tred2/tql2,
// as in JAMA). Eigenvectors are kept as ROWS of Z (Z = Vᵀ), so every inner
// loop (the Householder updates, the accumulation, the QL plane rotations)
// walks contiguous memory. Work ≈ (4/3 + 4/3)·n³ for the reduction and ≈ 3·n³
// for the rotations (n = 6400: ~1.5e12 multiply-adds, minutes in JS; computed
// once per model, layer and statistics and cached, see nullspace.ts).
//
// As cholesky.ts, the work is a generator of checkpoints, run synchronously
// (`symmetricEigen`) or cooperatively (`symmetricEigenAsync`: progress,
// yields to the event loop, AbortSignal).
import { runSteps, runStepsAsync, type StepsOptions } from './steps.ts';

export interface SymmetricEigen {
  readonly n: number;
  /** Eigenvalues, ascending. */
  readonly values: Float64Array;
  /** Row-major n×n; row i is the unit eigenvector of values[i]. */
  readonly vectors: Float64Array;
}

export type EigenAsyncOptions = StepsOptions;

/** Decompose A (row-major n×n, symmetric; only symmetric input is meaningful) synchronously. */
export function symmetricEigen(a: ArrayLike<number>, n: number): SymmetricEigen {
  return runSteps(eigenSteps(a, n, Infinity));
}

export async function symmetricEigenAsync(a: ArrayLike<number>, n: number, options: EigenAsyncOptions = {}): Promise<SymmetricEigen> {
  return runStepsAsync(eigenSteps(a, n, options.checkpointWork ?? 2e7), options);
}

function* eigenSteps(a: ArrayLike<number>, n: number, checkpointWork: number): Generator<number, SymmetricEigen, void> {
  if (!Number.isSafeInteger(n) || n < 1) throw new RangeError(`symmetricEigen: invalid size ${n}`);
  if (a.length !== n * n) throw new RangeError(`symmetricEigen: matrix has ${a.length} entries, expected ${n}×${n}`);
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i]!)) throw new RangeError(`symmetricEigen: entry ${i} is not finite`);
  // Z = Vᵀ starts as A (symmetric, so Aᵀ = A).
  const z = Float64Array.from(a);
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  const total = (8 / 3) * n * n * n + 3 * n * n * n + 1;
  let done = 0;
  let since = 0;
  const tick = (work: number) => {
    done += work;
    since += work;
    if (since >= checkpointWork) {
      since = 0;
      return true;
    }
    return false;
  };

  // --- tred2: Householder reduction to tridiagonal form.
  for (let j = 0; j < n; j++) d[j] = z[j * n + n - 1]!;
  for (let i = n - 1; i > 0; i--) {
    let scale = 0;
    let h = 0;
    for (let k = 0; k < i; k++) scale += Math.abs(d[k]!);
    if (scale === 0) {
      e[i] = d[i - 1]!;
      for (let j = 0; j < i; j++) {
        d[j] = z[j * n + i - 1]!;
        z[j * n + i] = 0;
        z[i * n + j] = 0;
      }
    } else {
      for (let k = 0; k < i; k++) {
        d[k]! /= scale;
        h += d[k]! * d[k]!;
      }
      let f = d[i - 1]!;
      let g = Math.sqrt(h);
      if (f > 0) g = -g;
      e[i] = scale * g;
      h -= f * g;
      d[i - 1] = f - g;
      for (let j = 0; j < i; j++) e[j] = 0;
      for (let j = 0; j < i; j++) {
        const zj = j * n;
        f = d[j]!;
        z[i * n + j] = f;
        g = e[j]! + z[zj + j]! * f;
        for (let k = j + 1; k <= i - 1; k++) {
          const v = z[zj + k]!;
          g += v * d[k]!;
          e[k]! += v * f;
        }
        e[j] = g;
      }
      f = 0;
      for (let j = 0; j < i; j++) {
        e[j]! /= h;
        f += e[j]! * d[j]!;
      }
      const hh = f / (h + h);
      for (let j = 0; j < i; j++) e[j]! -= hh * d[j]!;
      for (let j = 0; j < i; j++) {
        const zj = j * n;
        f = d[j]!;
        g = e[j]!;
        for (let k = j; k <= i - 1; k++) z[zj + k]! -= f * e[k]! + g * d[k]!;
        d[j] = z[zj + i - 1]!;
        z[zj + i] = 0;
      }
    }
    d[i] = h;
    if (tick(2 * i * i) && done < total) yield done / total;
  }
  // Accumulate the transformations.
  for (let i = 0; i < n - 1; i++) {
    z[i * n + n - 1] = z[i * n + i]!;
    z[i * n + i] = 1;
    const h = d[i + 1]!;
    const zi1 = (i + 1) * n;
    if (h !== 0) {
      for (let k = 0; k <= i; k++) d[k] = z[zi1 + k]! / h;
      for (let j = 0; j <= i; j++) {
        const zj = j * n;
        let g = 0;
        for (let k = 0; k <= i; k++) g += z[zi1 + k]! * z[zj + k]!;
        for (let k = 0; k <= i; k++) z[zj + k]! -= g * d[k]!;
      }
    }
    for (let k = 0; k <= i; k++) z[zi1 + k] = 0;
    if (tick(2 * i * i) && done < total) yield done / total;
  }
  for (let j = 0; j < n; j++) {
    d[j] = z[j * n + n - 1]!;
    z[j * n + n - 1] = 0;
  }
  z[(n - 1) * n + n - 1] = 1;
  e[0] = 0;

  // --- tql2: implicit QL on the tridiagonal matrix, rotating Z's rows.
  for (let i = 1; i < n; i++) e[i - 1] = e[i]!;
  e[n - 1] = 0;
  let f = 0;
  let tst1 = 0;
  const eps = 2 ** -52;
  const qlShare = (3 * n * n * n) / n; // progress per l
  for (let l = 0; l < n; l++) {
    tst1 = Math.max(tst1, Math.abs(d[l]!) + Math.abs(e[l]!));
    let m = l;
    while (m < n) {
      if (Math.abs(e[m]!) <= eps * tst1) break;
      m++;
    }
    if (m > l) {
      let iter = 0;
      do {
        if (++iter > 60) throw new Error(`symmetricEigen: QL did not converge for eigenvalue ${l} of ${n}`);
        let g = d[l]!;
        let p = (d[l + 1]! - g) / (2 * e[l]!);
        let r = Math.hypot(p, 1);
        if (p < 0) r = -r;
        d[l] = e[l]! / (p + r);
        d[l + 1] = e[l]! * (p + r);
        const dl1 = d[l + 1]!;
        let h = g - d[l]!;
        for (let i = l + 2; i < n; i++) d[i]! -= h;
        f += h;
        p = d[m]!;
        let c = 1;
        let c2 = c;
        let c3 = c;
        const el1 = e[l + 1]!;
        let s = 0;
        let s2 = 0;
        for (let i = m - 1; i >= l; i--) {
          c3 = c2;
          c2 = c;
          s2 = s;
          g = c * e[i]!;
          h = c * p;
          r = Math.hypot(p, e[i]!);
          e[i + 1] = s * r;
          s = e[i]! / r;
          c = p / r;
          p = c * d[i]! - s * g;
          d[i + 1] = h + s * (c * g + s * d[i]!);
          // Rotate eigenvector rows i and i+1.
          const zi = i * n;
          const zi1 = zi + n;
          for (let k = 0; k < n; k++) {
            const hk = z[zi1 + k]!;
            const vk = z[zi + k]!;
            z[zi1 + k] = s * vk + c * hk;
            z[zi + k] = c * vk - s * hk;
          }
        }
        p = (-s * s2 * c3 * el1 * e[l]!) / dl1;
        e[l] = s * p;
        d[l] = c * p;
        since += 6 * n * (m - l);
        if (since >= checkpointWork) {
          since = 0;
          yield Math.min(0.999, (done + qlShare * l) / total);
        }
      } while (Math.abs(e[l]!) > eps * tst1);
    }
    d[l] = d[l]! + f;
    e[l] = 0;
  }

  // Sort ascending, moving the eigenvector rows along.
  const order = Array.from({ length: n }, (_, i) => i).sort((x, y) => d[x]! - d[y]!);
  const values = Float64Array.from(order, (i) => d[i]!);
  const vectors = new Float64Array(n * n);
  order.forEach((src, dst) => vectors.set(z.subarray(src * n, src * n + n), dst * n));
  return { n, values, vectors };
}
