// The float64 symmetric eigensolver (AlphaEdit's null space) and the LU solve:
// reconstruction A = VΛVᵀ, orthonormal eigenvectors, ascending order, on
// random, degenerate, rank-deficient and awkwardly sized matrices.
import { describe, expect, it } from 'vitest';
import { symmetricEigen, symmetricEigenAsync } from '../models/editing/eigen.ts';
import { lu, luAsync, luSolve, SingularMatrixError } from '../models/editing/lu.ts';
import { nullSpaceFromEigen, projectorApply } from '../models/editing/nullspace.ts';
import { rng } from './helpers/random.ts';

function randomSymmetric(n: number, seed: number): Float64Array {
  const r = rng(seed);
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j <= i; j++) {
      const v = r() * 2 - 1;
      a[i * n + j] = v;
      a[j * n + i] = v;
    }
  return a;
}

/** A Gram matrix of rank `rank`: n − rank exact zero eigenvalues (C's shape: keys from fewer inputs). */
function lowRankPsd(n: number, rank: number, seed: number): Float64Array {
  const r = rng(seed);
  const x = Float64Array.from({ length: n * rank }, () => r() * 2 - 1);
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < rank; k++) s += x[i * rank + k]! * x[j * rank + k]!;
      a[i * n + j] = s;
    }
  return a;
}

function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]!));
  return m;
}

function checkDecomposition(a: Float64Array, n: number, tol = 1e-12) {
  const { values, vectors } = symmetricEigen(a, n);
  const scale = Math.max(1, maxAbs(a));
  for (let i = 1; i < n; i++) expect(values[i]!).toBeGreaterThanOrEqual(values[i - 1]!);
  // Orthonormal rows: V Vᵀ = I.
  let orth = 0;
  for (let i = 0; i < n; i++)
    for (let j = 0; j <= i; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += vectors[i * n + k]! * vectors[j * n + k]!;
      orth = Math.max(orth, Math.abs(s - (i === j ? 1 : 0)));
    }
  expect(orth).toBeLessThan(tol * n);
  // Reconstruction: Σ_i λ_i v_i v_iᵀ = A.
  let rec = 0;
  for (let x = 0; x < n; x++)
    for (let y = 0; y < n; y++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += values[i]! * vectors[i * n + x]! * vectors[i * n + y]!;
      rec = Math.max(rec, Math.abs(s - a[x * n + y]!));
    }
  expect(rec).toBeLessThan(tol * n * scale);
  // A v = λ v for each pair.
  for (let i = 0; i < n; i += Math.max(1, Math.floor(n / 7))) {
    for (let x = 0; x < n; x++) {
      let s = 0;
      for (let y = 0; y < n; y++) s += a[x * n + y]! * vectors[i * n + y]!;
      expect(Math.abs(s - values[i]! * vectors[i * n + x]!)).toBeLessThan(tol * n * scale);
    }
  }
  return { values, vectors };
}

describe('symmetricEigen (float64, Householder + implicit QL)', () => {
  for (const n of [1, 2, 3, 7, 17, 64, 129]) {
    it(`random symmetric n = ${n}: reconstruction, orthogonality, order`, () => {
      checkDecomposition(randomSymmetric(n, n + 11), n);
    });
  }

  it('known spectrum: diag, identity (fully degenerate), zero matrix, a 2×2 in closed form', () => {
    const n = 9;
    const diag = new Float64Array(n * n);
    [5, -1, 3, 3, 0, 2, -7, 1e-9, 4].forEach((v, i) => (diag[i * n + i] = v));
    const { values } = checkDecomposition(diag, n);
    expect(Array.from(values)).toEqual([-7, -1, 0, 1e-9, 2, 3, 3, 4, 5]);
    const eye = new Float64Array(n * n);
    for (let i = 0; i < n; i++) eye[i * n + i] = 1;
    expect(Array.from(checkDecomposition(eye, n).values)).toEqual(new Array(n).fill(1));
    expect(Array.from(checkDecomposition(new Float64Array(n * n), n).values)).toEqual(new Array(n).fill(0));
    // [[2, 1], [1, 2]]: eigenvalues 1 and 3, vectors (1, −1)/√2 and (1, 1)/√2.
    const two = checkDecomposition(Float64Array.from([2, 1, 1, 2]), 2);
    expect(two.values[0]).toBeCloseTo(1, 14);
    expect(two.values[1]).toBeCloseTo(3, 14);
    expect(Math.abs(two.vectors[2]! * two.vectors[3]!)).toBeCloseTo(0.5, 14);
  });

  it('a rank-deficient Gram matrix (as C): the null space has exactly n − rank eigenvalues near 0', () => {
    const n = 48;
    const a = lowRankPsd(n, 20, 3);
    const { values, vectors } = checkDecomposition(a, n);
    const ns = nullSpaceFromEigen({ n, values, vectors }, 1e-8);
    expect(ns.rank).toBe(28);
    // P = U0U0ᵀ annihilates the range of A: P·A ≈ 0, and P is idempotent.
    const col = Float64Array.from({ length: n }, (_, i) => a[i * n + 5]!);
    expect(maxAbs(projectorApply(ns, col))).toBeLessThan(1e-10 * maxAbs(a));
    const x = Float64Array.from({ length: n }, (_, i) => Math.sin(i));
    const px = projectorApply(ns, x);
    const ppx = projectorApply(ns, px);
    expect(maxAbs(px.map((v, i) => v - ppx[i]!))).toBeLessThan(1e-13);
  });

  it('async: same result, reports progress, and cancels', async () => {
    const n = 80;
    const a = randomSymmetric(n, 5);
    const sync = symmetricEigen(a, n);
    const fractions: number[] = [];
    const res = await symmetricEigenAsync(a, n, { checkpointWork: 5000, onProgress: (f) => void fractions.push(f) });
    expect(Array.from(res.values)).toEqual(Array.from(sync.values));
    expect(fractions.length).toBeGreaterThan(5);
    expect(fractions.at(-1)).toBe(1);
    for (let i = 1; i < fractions.length; i++) expect(fractions[i]!).toBeGreaterThanOrEqual(fractions[i - 1]!);
    const ac = new AbortController();
    await expect(symmetricEigenAsync(a, n, { checkpointWork: 5000, signal: ac.signal, onProgress: (f) => (f > 0.3 ? ac.abort(new Error('cancelled')) : undefined) })).rejects.toThrow('cancelled');
  });

  it('refuses bad input clearly', () => {
    expect(() => symmetricEigen(new Float64Array(5), 2)).toThrow(/expected 2×2/);
    expect(() => symmetricEigen(Float64Array.from([1, NaN, NaN, 1]), 2)).toThrow(/not finite/);
  });
});

describe('lu (float64, partial pivoting)', () => {
  for (const n of [1, 2, 5, 33, 100]) {
    it(`solves random non-symmetric systems n = ${n}`, () => {
      const r = rng(n);
      const a = Float64Array.from({ length: n * n }, () => r() * 2 - 1);
      // A zero leading entry needs the pivoting.
      a[0] = 0;
      const xs = [Float64Array.from({ length: n }, () => r()), Float64Array.from({ length: n }, (_, i) => i)];
      const bs = xs.map((x) => Float64Array.from({ length: n }, (_, i) => x.reduce((s, xj, j) => s + a[i * n + j]! * xj, 0)));
      if (n === 1) {
        a[0] = 2;
        bs.forEach((b, q) => (b[0] = 2 * xs[q]![0]!));
      }
      const got = luSolve(lu(a, n), bs);
      got.forEach((g, q) => expect(maxAbs(g.map((v, i) => v - xs[q]![i]!))).toBeLessThan(1e-9));
    });
  }

  it('singular matrices are refused; async reports progress and cancels', async () => {
    expect(() => lu(Float64Array.from([1, 2, 2, 4]), 2)).toThrow(SingularMatrixError);
    const n = 60;
    const r = rng(9);
    const a = Float64Array.from({ length: n * n }, () => r() - 0.5);
    const fr: number[] = [];
    const f = await luAsync(a, n, { checkpointWork: 2000, onProgress: (x) => void fr.push(x) });
    expect(Array.from(f.lu)).toEqual(Array.from(lu(a, n).lu));
    expect(fr.at(-1)).toBe(1);
    const ac = new AbortController();
    await expect(luAsync(a, n, { checkpointWork: 2000, signal: ac.signal, onProgress: () => ac.abort(new Error('stop')) })).rejects.toThrow('stop');
  });
});
