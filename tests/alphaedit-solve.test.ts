// AlphaEdit's per-layer solve, (P·(KKᵀ + Kp) + αI)⁻¹ P K, two ways: Woodbury on
// the N keys (used while N ≤ f/2) and the dense f×f system, both against a
// plain float64 Gaussian elimination of the explicitly formed matrix, on an
// awkward size (f = 37, a null space of rank 19, Kp of 6 keys, 3 new keys).
import { describe, expect, it } from 'vitest';
import { alphaEditSolver, denseSolve, woodburySolve } from '../models/editing/alphaedit.ts';
import { symmetricEigen } from '../models/editing/eigen.ts';
import { nullSpaceFromEigen } from '../models/editing/nullspace.ts';
import { relL2 } from './helpers/compare.ts';
import { gaussSolve } from './helpers/gauss-solve.ts';
import { rng } from './helpers/random.ts';

const f = 37;
const r = rng(7);
const vec = () => Float64Array.from({ length: f }, () => r() * 2 - 1);
// C-like: a random SPD matrix with a spread spectrum.
const X = Array.from({ length: 2 * f }, vec);
const C = new Float64Array(f * f);
for (const x of X) for (let a = 0; a < f; a++) for (let b = 0; b < f; b++) C[a * f + b]! += (x[a]! * x[b]!) / X.length;
const eig = symmetricEigen(C, f);
const P = nullSpaceFromEigen(eig, (eig.values[18]! + eig.values[19]!) / 2);
const kp = Array.from({ length: 6 }, vec);
const keys = Array.from({ length: 3 }, vec);
const alpha = 0.7;

/** The oracle: P dense, M = P·S + αI formed explicitly, each column solved by elimination. */
function oracle(kpKeys: Float64Array[], ks: Float64Array[]): Float64Array[] {
  const Pd = new Float64Array(f * f);
  for (let q = 0; q < P.rank; q++) for (let a = 0; a < f; a++) for (let b = 0; b < f; b++) Pd[a * f + b]! += P.basis[q * f + a]! * P.basis[q * f + b]!;
  const S = new Float64Array(f * f);
  for (const k of [...kpKeys, ...ks]) for (let a = 0; a < f; a++) for (let b = 0; b < f; b++) S[a * f + b]! += k[a]! * k[b]!;
  const M = new Float64Array(f * f);
  for (let a = 0; a < f; a++) for (let b = 0; b < f; b++) for (let c = 0; c < f; c++) M[a * f + b]! += Pd[a * f + c]! * S[c * f + b]!;
  for (let i = 0; i < f; i++) M[i * f + i]! += alpha;
  return ks.map((k) => gaussSolve(M, f, Float64Array.from({ length: f }, (_, a) => k.reduce((s, kb, b) => s + Pd[a * f + b]! * kb, 0))));
}

describe('AlphaEdit solve', () => {
  it('Woodbury and the dense system agree with the explicit float64 solve', async () => {
    expect(P.rank).toBe(19);
    const want = oracle(kp, keys);
    const w = woodburySolve(P, kp, keys, alpha);
    const d = await denseSolve(P, kp, keys, alpha);
    want.forEach((x, j) => {
      expect(relL2(w[j]!, x)).toBeLessThan(1e-10);
      expect(relL2(d[j]!, x)).toBeLessThan(1e-10);
    });
  });

  it('the solver takes Woodbury while the keys are few and the dense system past f/2, with the same answer', async () => {
    const many = Array.from({ length: 20 }, vec);
    const solver = alphaEditSolver({ projectors: new Map([[3, P]]), kp: new Map([[3, many]]) }, alpha, P.threshold);
    const got = await solver({ i: 0, layer: 3, keys, resid: [] }, {});
    expect(got.extra!.kp_keys_before).toBe(20);
    oracle(many, keys).forEach((x, j) => expect(relL2(got.adj[j]!, x)).toBeLessThan(1e-10));
  });
});
