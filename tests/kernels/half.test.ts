import { describe, expect, it } from 'vitest';
import { f16BitsToF32, f32ToF16Bits, fromHalves, roundToHalf, toHalves } from '../../models/gpu/half.ts';
import { rng } from '../helpers/random.ts';

describe('f16 conversion', () => {
  it('encodes landmark values exactly', () => {
    const cases: Array<[number, number]> = [
      [0, 0x0000],
      [-0, 0x8000],
      [1, 0x3c00],
      [-2, 0xc000],
      [0.5, 0x3800],
      [65504, 0x7bff], // largest finite
      [65519.99, 0x7bff], // just below the overflow midpoint
      [65520, 0x7c00], // the midpoint rounds to even: infinity
      [Infinity, 0x7c00],
      [-Infinity, 0xfc00],
      [2 ** -14, 0x0400], // smallest normal
      [2 ** -24, 0x0001], // smallest subnormal
      [2 ** -25, 0x0000], // half of it: ties to even (0)
      [3 * 2 ** -25, 0x0002], // 1.5 subnormal steps: ties to even (2)
      [2 ** -14 - 2 ** -25, 0x0400], // rounds up from subnormal into the normals
      [1 + 2 ** -11, 0x3c00], // tie between 1 and 1+2^-10: even (1)
      [1 + 3 * 2 ** -11, 0x3c02], // tie between 1+2^-10 and 1+2^-9: even
      [1 + 2 ** -11 + 2 ** -20, 0x3c01], // just above the tie
      [2047.5, 0x6800], // tie between 2047 (odd mantissa) and 2048: even, 2048
      [0.1, 0x2e66],
      [-65504, 0xfbff],
    ];
    for (const [x, bits] of cases) expect(f32ToF16Bits(x), `encode ${x}`).toBe(bits);
  });

  it('maps NaN to a NaN pattern and decodes specials', () => {
    const nan = f32ToF16Bits(NaN);
    expect((nan & 0x7c00) === 0x7c00 && (nan & 0x3ff) !== 0).toBe(true);
    expect(Number.isNaN(f16BitsToF32(nan))).toBe(true);
    expect(f16BitsToF32(0x7c00)).toBe(Infinity);
    expect(f16BitsToF32(0xfc00)).toBe(-Infinity);
    expect(Object.is(f16BitsToF32(0x8000), -0)).toBe(true);
    expect(f16BitsToF32(0x0001)).toBe(2 ** -24);
    expect(f16BitsToF32(0x7bff)).toBe(65504);
  });

  it('round-trips every finite half bit pattern', () => {
    for (let h = 0; h < 0x10000; h++) {
      if ((h & 0x7c00) === 0x7c00) continue; // inf / NaN
      expect(f32ToF16Bits(f16BitsToF32(h))).toBe(h);
    }
  });

  it('rounds random values to the nearest half, ties to even', () => {
    const r = rng(7);
    for (let i = 0; i < 20_000; i++) {
      const x = (r() * 2 - 1) * 2 ** Math.floor(r() * 40 - 26);
      const h = f32ToF16Bits(x);
      const v = f16BitsToF32(h);
      // Neighbours of the chosen half: nothing representable is strictly nearer.
      const err = Math.abs(v - x);
      for (const n of [h - 1, h + 1]) {
        if (n < 0 || (n & 0x7fff) >= 0x7c00 || (n ^ h) & 0x8000) continue;
        const alt = Math.abs(f16BitsToF32(n) - x);
        expect(err <= alt, `x=${x}: ${v} chosen over ${f16BitsToF32(n)}`).toBe(true);
        if (err === alt) expect(h & 1, `tie at x=${x} must go to even`).toBe(0);
      }
    }
  });

  it('converts arrays both ways', () => {
    const x = Float32Array.from([1, -2.5, 1e-3, 70000]);
    expect(Array.from(toHalves(x))).toEqual([0x3c00, 0xc100, 0x1419, 0x7c00]);
    expect(Array.from(fromHalves(toHalves(x)))).toEqual([1, -2.5, f16BitsToF32(0x1419), Infinity]);
    expect(Array.from(roundToHalf([0.1]))).toEqual([Math.fround(f16BitsToF32(0x2e66))]);
  });
});
