// Times the float64 Cholesky factorisation + one solve at ROME's key sizes:
// n = 3072 (GPT-2 small's 4d) and n = 6400 (GPT-2 XL's). Not part of `npm test`.
//   npx tsx bench/cholesky-bench.ts            both sizes
//   npx tsx bench/cholesky-bench.ts 1024 3072  chosen sizes
//   ... --block 96                             another panel width
import { cholesky, solve } from '../models/editing/cholesky.ts';
import { benchFlags } from './flags.ts';
import { mulberry32 } from './seeded-random.ts';

/**
 * A random SPD matrix in O(n²): symmetric entries in [-1, 1) and a diagonal of n + 1, so it is
 * strictly diagonally dominant (Gershgorin). No pivoting, so the timing does not depend on values.
 */
function randomSpd(n: number, seed: number): Float64Array {
  const rand = mulberry32(seed);
  const c = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) {
      const v = rand() * 2 - 1;
      c[i * n + j] = v;
      c[j * n + i] = v;
    }
    c[i * n + i] = n + 1;
  }
  return c;
}

function relativeResidual(c: Float64Array, n: number, x: Float64Array, b: Float64Array): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let k = 0; k < n; k++) s += c[i * n + k]! * x[k]!;
    num += (s - b[i]!) ** 2;
    den += b[i]! ** 2;
  }
  return Math.sqrt(num / den);
}

const flags = benchFlags({ block: '' });
const blockSize = flags.block ? Number(flags.block) : undefined;
const sizes = flags.positionals.length ? flags.positionals.map(Number) : [3072, 6400];

for (const n of sizes) {
  const c = randomSpd(n, n);
  const rand = mulberry32(1);
  const b = Float64Array.from({ length: n }, () => rand() * 2 - 1);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const factor = cholesky(c, n, { blockSize });
  const t1 = performance.now();
  const cpu = process.cpuUsage(cpu0);
  // CPU time as well as wall time: on a shared machine the wall clock also counts other processes' turns.
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const x = solve(factor, b);
  const t2 = performance.now();
  const factorSeconds = (t1 - t0) / 1000;
  const gflops = n ** 3 / 3 / factorSeconds / 1e9;
  console.log(
    `n=${n}${blockSize ? ` block=${blockSize}` : ''}: factor ${factorSeconds.toFixed(2)} s (${gflops.toFixed(2)} GFLOP/s, n³/3 flops; ` +
      `CPU ${cpuSeconds.toFixed(2)} s = ${(n ** 3 / 3 / cpuSeconds / 1e9).toFixed(2)} GFLOP/s), ` +
      `solve ${((t2 - t1) / 1000).toFixed(3)} s, total ${((t2 - t0) / 1000).toFixed(2)} s, ` +
      `residual ‖Cx−b‖/‖b‖ = ${relativeResidual(c, n, x, b).toExponential(2)}`,
  );
}
