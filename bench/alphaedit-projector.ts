// What AlphaEdit's projector costs on the CPU, measured at sizes this machine
// runs in seconds and extrapolated by n³ to GPT-2's key sizes (small 3072 …
// XL 6400): the float64 eigendecomposition of C (once per model, layer and
// statistics), and per edit and layer the projected system P·(KKᵀ + Kp) in
// factored form (4·r·n² multiply-adds) and its LU solve (⅔·n³). Memory is
// computed from the shapes. Not part of `npm test`.
// The per-edit solve the lab uses while Kp holds fewer than f/2 keys
// (Woodbury, alphaedit.ts) is measured at XL's own shape, f = 6400 and
// r = 3200, with N = 10 and 100 keys. Its basis is random, not orthonormal:
// the timing does not depend on that.
//   npx tsx bench/alphaedit-projector.ts [n ...]   (default 256 512 1024)
//   npx tsx bench/alphaedit-projector.ts --woodbury-only
import { symmetricEigen } from '../models/editing/eigen.ts';
import { lu } from '../models/editing/lu.ts';
import { woodburySolve } from '../models/editing/alphaedit.ts';
import { nullSpaceFromEigen, projectorTimes, type NullSpace } from '../models/editing/nullspace.ts';
import { benchFlags } from './flags.ts';
import { mulberry32 } from './seeded-random.ts';

const flags = benchFlags({ 'woodbury-only': false });
const sizes = flags.positionals.map(Number).filter((n) => n > 0);
const ns = flags['woodbury-only'] ? [] : sizes.length ? sizes : [256, 512, 1024];

/** A covariance-like SPD matrix: (1/m)·XᵀX of m = 2n random rows. */
function randomCov(n: number, seed: number): Float64Array {
  const rand = mulberry32(seed);
  const m = 2 * n;
  const x = new Float64Array(m * n).map(() => rand() * 2 - 1);
  const c = new Float64Array(n * n);
  for (let r = 0; r < m; r++) {
    const row = x.subarray(r * n, r * n + n);
    for (let a = 0; a < n; a++) {
      const xa = row[a]! / m;
      for (let b = 0; b <= a; b++) c[a * n + b]! += xa * row[b]!;
    }
  }
  for (let a = 0; a < n; a++) for (let b = 0; b < a; b++) c[b * n + a] = c[a * n + b]!;
  return c;
}

const secs = (t0: number) => (performance.now() - t0) / 1000;
const rows: { n: number; eig: number; proj: number; lu: number }[] = [];
for (const n of ns) {
  const C = randomCov(n, n);
  let t0 = performance.now();
  const eig = symmetricEigen(C, n);
  const tEig = secs(t0);
  // Cut at the median eigenvalue: r = n/2, the fixture's share (135/256, 147/256).
  const ns0 = nullSpaceFromEigen(eig, eig.values[n >> 1]!);
  t0 = performance.now();
  const M = projectorTimes(ns0, C);
  const tProj = secs(t0);
  for (let i = 0; i < n; i++) M[i * n + i]! += 10;
  t0 = performance.now();
  lu(M, n, { overwrite: true });
  const tLu = secs(t0);
  rows.push({ n, eig: tEig, proj: tProj, lu: tLu });
  console.log(`n = ${n}: eigendecomposition ${tEig.toFixed(2)} s, P·S (r = ${ns0.rank}) ${tProj.toFixed(2)} s, LU ${tLu.toFixed(2)} s`);
}
{
  const f = 6400;
  const r = 3200;
  const rand = mulberry32(1);
  const P: NullSpace = { dim: f, threshold: 0.02, rank: r, basis: new Float64Array(r * f).map(() => (rand() * 2 - 1) / Math.sqrt(f)), below: NaN, above: NaN };
  const vec = () => new Float64Array(f).map(() => rand() * 2 - 1);
  for (const N of [10, 100]) {
    const kp = Array.from({ length: N - 1 }, vec);
    const t0 = performance.now();
    woodburySolve(P, kp, [vec()], 10);
    console.log(`XL shape (f = ${f}, r = ${r}): Woodbury solve with N = ${N} keys ${secs(t0).toFixed(2)} s per edited layer`);
  }
}
if (!rows.length) process.exit(0);
const big = rows[rows.length - 1]!;
const at = (n: number, t: number) => t * (n / big.n) ** 3;
console.log(`\nExtrapolated by n³ from n = ${big.n} (one core, this machine):`);
console.log('| n | eigendecomposition (once) | P·S per edited layer | LU per edited layer |\n| --- | --- | --- | --- |');
for (const n of [3072, 4096, 5120, 6400]) console.log(`| ${n} | ${at(n, big.eig).toFixed(0)} s | ${at(n, big.proj).toFixed(0)} s | ${at(n, big.lu).toFixed(0)} s |`);
const MiB = (b: number) => `${(b / 2 ** 20).toFixed(0)} MiB`;
const f = 6400;
console.log(`\nMemory at GPT-2 XL (f = ${f}), float64: C ${MiB(f * f * 8)}; eigendecomposition working set (C + vectors) ${MiB(2 * f * f * 8)};`);
console.log(`U₀ at r = f/2 ${MiB((f / 2) * f * 8)} per layer (dense P would be ${MiB(f * f * 8)}); Kp ${MiB(f * f * 8)} per layer; per edit S, P·S ${MiB(2 * f * f * 8)} + U₀S ${MiB((f / 2) * f * 8)}.`);
