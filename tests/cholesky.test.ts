import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cholesky, choleskyAsync, conditionEstimate, NotPositiveDefiniteError, solve } from '../models/editing/cholesky.ts';
import { relL2 } from './helpers/compare.ts';
import { gaussSolve, matVec } from './helpers/gauss-solve.ts';
import { rng } from './helpers/random.ts';

/** C = A·Aᵀ/m + ridge·I with A random n×m (m = n + 3): SPD, not diagonally dominant. */
function randomSpd(n: number, seed: number, ridge = 1e-3): Float64Array {
  const r = rng(seed);
  const m = n + 3;
  const a = Float64Array.from({ length: n * m }, () => r() * 2 - 1);
  const c = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = 0;
      for (let k = 0; k < m; k++) s += a[i * m + k]! * a[j * m + k]!;
      c[i * n + j] = s / m;
      c[j * n + i] = s / m;
    }
    c[i * n + i] += ridge;
  }
  return c;
}

function randomVector(n: number, seed: number): Float64Array {
  const r = rng(seed);
  return Float64Array.from({ length: n }, () => r() * 2 - 1);
}

function residual(c: Float64Array, n: number, x: Float64Array, b: Float64Array): number {
  return relL2(matVec(c, n, x), b);
}

describe('Cholesky factorisation (float64, blocked)', () => {
  for (const n of [1, 3, 17, 65, 257]) {
    it(`solves a random SPD system of size ${n} like Gaussian elimination`, () => {
      const c = randomSpd(n, 100 + n);
      const b = randomVector(n, 200 + n);
      const want = gaussSolve(c, n, b);
      // The default panel width, and a small one so the multi-panel and remainder paths run at every size.
      for (const blockSize of [undefined, 4, 7]) {
        const factor = cholesky(c, n, { blockSize });
        const x = solve(factor, b);
        expect(relL2(x, want)).toBeLessThan(1e-10);
        expect(residual(c, n, x, b)).toBeLessThan(1e-12);
      }
    });
  }

  it('returns a lower-triangular L with L·Lᵀ = C', () => {
    const n = 37;
    const c = randomSpd(n, 5);
    const { lower } = cholesky(c, n, { blockSize: 8 });
    let worst = 0;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        if (j > i) expect(lower[i * n + j]).toBe(0);
        let s = 0;
        for (let k = 0; k < n; k++) s += lower[i * n + k]! * lower[j * n + k]!;
        worst = Math.max(worst, Math.abs(s - c[i * n + j]!));
      }
      expect(lower[i * n + i]).toBeGreaterThan(0);
    }
    expect(worst).toBeLessThan(1e-13);
  });

  it('reads only the lower triangle, widens Float32 input, and can factor in place', () => {
    const n = 19;
    const c = randomSpd(n, 9);
    const b = randomVector(n, 10);
    const want = solve(cholesky(c, n), b);
    const lowerOnly = c.slice();
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) lowerOnly[i * n + j] = NaN;
    expect(solve(cholesky(lowerOnly, n), b)).toEqual(want);

    const c32 = Float32Array.from(c);
    const x32 = solve(cholesky(c32, n), b);
    expect(relL2(matVec(Float64Array.from(c32), n, x32), b)).toBeLessThan(1e-12);

    const work = c.slice();
    const inPlace = cholesky(work, n, { overwrite: true });
    expect(inPlace.lower).toBe(work);
    expect(solve(inPlace, b)).toEqual(want);
    expect(() => cholesky(c32, n, { overwrite: true })).toThrow(/Float64Array/);
  });

  it('solves several right-hand sides at once', () => {
    const n = 30;
    const c = randomSpd(n, 11);
    const factor = cholesky(c, n);
    const bs = [randomVector(n, 1), Array.from(randomVector(n, 2))];
    const xs = solve(factor, bs);
    expect(xs).toHaveLength(2);
    xs.forEach((x, i) => expect(residual(c, n, x, Float64Array.from(bs[i]!))).toBeLessThan(1e-12));
    expect(() => solve(factor, new Float64Array(n + 1))).toThrow(/length 31/);
  });

  it('reproduces ROME u = C⁻¹k* on the tiny-gpt2 fixture to 1e-9', () => {
    const rome = JSON.parse(readFileSync('tests/fixtures/tiny-gpt2/rome.json', 'utf8')) as {
      covariance: { C: number[][]; dim: number; stats: { cond: number; eig_min: number; eig_max: number } };
      k_star: number[];
      C_inv_k_star: number[];
      left_vector: number[];
    };
    const n = rome.covariance.dim;
    expect(n).toBe(256);
    const c = Float64Array.from(rome.covariance.C.flat());
    const factor = cholesky(c, n);
    const u = solve(factor, rome.k_star);
    expect(relL2(u, rome.C_inv_k_star)).toBeLessThan(1e-9);
    const norm = Math.hypot(...u);
    expect(relL2(u.map((v) => v / norm), rome.left_vector)).toBeLessThan(1e-9);

    // cond(C) ≈ 4.6e3 here; the cheap estimate lands close to the fixture's eigen-statistics.
    const est = conditionEstimate(factor, 200);
    expect(est.lambdaMax / rome.covariance.stats.eig_max).toBeCloseTo(1, 6);
    expect(est.cond / rome.covariance.stats.cond).toBeGreaterThan(0.9);
    expect(est.cond / rome.covariance.stats.cond).toBeLessThan(1 + 1e-9);
  });

  it('says which pivot failed when C is not positive definite', () => {
    const indefinite = Float64Array.from([1, 2, 2, 1]); // eigenvalues 3 and -1
    expect(() => cholesky(indefinite, 2)).toThrow(NotPositiveDefiniteError);
    try {
      cholesky(indefinite, 2);
    } catch (e) {
      const err = e as NotPositiveDefiniteError;
      expect(err.pivotIndex).toBe(1);
      expect(err.pivotValue).toBe(-3);
      expect(err.message).toMatch(/not positive definite: Cholesky pivot 1 of 2 is -3/);
    }
    // Singular (all ones, rank 1): the second pivot is exactly 0.
    const ones = new Float64Array(9).fill(1);
    expect(() => cholesky(ones, 3)).toThrow(/pivot 1 of 3 is 0/);
    // A ridge, when the caller chooses one, makes it definite.
    const factor = cholesky(ones, 3, { ridge: 1e-3 });
    expect(factor.ridge).toBe(1e-3);
    expect(residual(Float64Array.from([1.001, 1, 1, 1, 1.001, 1, 1, 1, 1.001]), 3, solve(factor, [1, 2, 3]), Float64Array.from([1, 2, 3]))).toBeLessThan(1e-12);
    // NaN never passes as a pivot; a big matrix fails deep in a later panel with its own index.
    expect(() => cholesky(Float64Array.from([NaN]), 1)).toThrow(/pivot 0 of 1 is NaN/);
    const n = 150;
    const c = randomSpd(n, 3);
    c[140 * n + 140] = -1;
    expect(() => cholesky(c, n, { blockSize: 16 })).toThrow(/pivot 140 of 150/);
    expect(() => cholesky(new Float64Array(5), 2)).toThrow(/5 entries/);
  });

  it('factors cooperatively: same result, progress to 1, cancellable between checkpoints', async () => {
    const n = 120;
    const c = randomSpd(n, 21);
    const fractions: number[] = [];
    const factor = await choleskyAsync(c, n, { blockSize: 16, checkpointWork: 1e4, onProgress: (f) => void fractions.push(f) });
    expect(factor.lower).toEqual(cholesky(c, n, { blockSize: 16 }).lower);
    expect(fractions.length).toBeGreaterThan(5);
    expect(fractions.at(-1)).toBe(1);
    for (let i = 1; i < fractions.length; i++) expect(fractions[i]).toBeGreaterThan(fractions[i - 1]!);

    const stopped = new AbortController();
    stopped.abort();
    await expect(choleskyAsync(c, n, { signal: stopped.signal })).rejects.toThrow(/abort/i);

    // Abort from the progress callback.
    const ac = new AbortController();
    await expect(
      choleskyAsync(c, n, { blockSize: 16, checkpointWork: 1e4, signal: ac.signal, onProgress: (f) => (f > 0.2 ? ac.abort() : undefined) }),
    ).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('yields to the event loop, so a timer can cancel a running factorisation', async () => {
    const n = 640; // ~0.1 s of work: long enough to outlast the first yield on any machine
    const c = randomSpd(n, 4, 1);
    const ac = new AbortController();
    let progressed = 0;
    const run = choleskyAsync(c, n, {
      checkpointWork: 2e5,
      signal: ac.signal,
      onProgress: (f) => {
        progressed = f;
        // Only a macrotask can deliver this abort: it proves the loop lets timers (worker messages) run.
        if (f < 1) setTimeout(() => ac.abort(new Error('cancelled by the user')), 0);
      },
    });
    await expect(run).rejects.toThrow('cancelled by the user');
    expect(progressed).toBeGreaterThan(0);
    expect(progressed).toBeLessThan(1);
  });
});
