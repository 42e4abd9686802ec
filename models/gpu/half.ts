// IEEE 754 binary16 ("half") conversion on the host. f16 tensors are stored
// as raw halves (Uint16Array on upload, packed two per u32 on the GPU), so the
// host needs an exact encoder and decoder: weights are encoded once, and the
// float64 reference twins decode the very same halves the kernels read.

const TWO_POW_MINUS_24 = 2 ** -24; // smallest subnormal half
const TWO_POW_MINUS_14 = 2 ** -14; // smallest normal half
/** Half-way between the largest finite half (65504) and 2^16: from here on, round to infinity. */
const OVERFLOW_THRESHOLD = 65520;

/** Round to the nearest integer, ties to even. Exact for the non-negative values used here. */
function roundHalfEven(v: number): number {
  const f = Math.floor(v);
  const diff = v - f;
  if (diff > 0.5) return f + 1;
  if (diff < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

/**
 * The binary16 bit pattern nearest to `x` (round to nearest, ties to even),
 * rounding straight from the float64 value (no double rounding through f32).
 * NaN → 0x7e00; |x| ≥ 65520 → ±infinity; -0 keeps its sign.
 */
export function f32ToF16Bits(x: number): number {
  if (Number.isNaN(x)) return 0x7e00;
  const sign = x < 0 || Object.is(x, -0) ? 0x8000 : 0;
  const a = Math.abs(x);
  if (a >= OVERFLOW_THRESHOLD) return sign | 0x7c00;
  if (a < TWO_POW_MINUS_14) {
    // Subnormal (or zero): a multiple of 2^-24. A result of 1024 is the
    // smallest normal, whose bit pattern is exactly 0x0400, so no special case.
    return sign | roundHalfEven(a / TWO_POW_MINUS_24);
  }
  // Normal: a = 2^e · (1 + frac). Division by a power of two is exact.
  let e = Math.floor(Math.log2(a));
  if (2 ** e > a) e -= 1; // log2 may round up just below a power of two
  else if (2 ** (e + 1) <= a) e += 1;
  let m = roundHalfEven((a / 2 ** e - 1) * 1024);
  if (m === 1024) {
    m = 0;
    e += 1;
  }
  return sign | ((e + 15) << 10) | m;
}

/** The value of a binary16 bit pattern (exact). */
export function f16BitsToF32(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return sign * m * TWO_POW_MINUS_24;
  if (e === 31) return m ? NaN : sign * Infinity;
  return sign * (1 + m / 1024) * 2 ** (e - 15);
}

/** Encode values as halves, ready for `ctx.upload(halves, shape, 'f16')`. */
export function toHalves(values: ArrayLike<number>): Uint16Array {
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = f32ToF16Bits(values[i]!);
  return out;
}

/** Decode halves (e.g. a downloaded f16 tensor) to f32. */
export function fromHalves(halves: ArrayLike<number>): Float32Array {
  const out = new Float32Array(halves.length);
  for (let i = 0; i < halves.length; i++) out[i] = f16BitsToF32(halves[i]!);
  return out;
}

/** Values rounded to the nearest half, as f32 (what an f16 weight holds). */
export function roundToHalf(values: ArrayLike<number>): Float32Array {
  return fromHalves(toHalves(values));
}
