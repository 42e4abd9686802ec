// The engine's seeded PRNG (mulberry32) and a Gaussian filler on top of it, so the
// benchmark's random weights and token ids are the same on every run and in
// every host (Node writes the weights, the page draws the ids).

import { seededRandom } from '../models/util/random.ts';

/** Uniform floats in [0, 1) from a 32-bit seed: the engine's own PRNG. */
export const mulberry32 = seededRandom;

/** Fill `out` with mean + std·N(0,1) draws (Box–Muller, both values of each pair used). */
export function fillGaussian(out: Float32Array, rand: () => number, mean: number, std: number): Float32Array {
  for (let i = 0; i < out.length; i += 2) {
    const u = 1 - rand(); // (0, 1]: log(0) never happens
    const r = Math.sqrt(-2 * Math.log(u)) * std;
    const theta = 2 * Math.PI * rand();
    out[i] = mean + r * Math.cos(theta);
    if (i + 1 < out.length) out[i + 1] = mean + r * Math.sin(theta);
  }
  return out;
}

/** `count` token ids uniform in [0, vocab). */
export function randomTokenIds(count: number, vocab: number, seed: number): Int32Array {
  const rand = mulberry32(seed);
  const ids = new Int32Array(count);
  for (let i = 0; i < count; i++) ids[i] = Math.floor(rand() * vocab);
  return ids;
}
