// Comparison with stated tolerances: |got - want| <= atol + rtol·|want| elementwise,
// and a relative L2 error for whole tensors. Returns the worst offender for the message.
export interface Mismatch {
  index: number;
  got: number;
  want: number;
}

export function firstMismatch(got: ArrayLike<number>, want: ArrayLike<number>, atol: number, rtol: number): Mismatch | null {
  if (got.length !== want.length) return { index: -1, got: got.length, want: want.length };
  for (let i = 0; i < want.length; i++) {
    const g = got[i]!;
    const w = want[i]!;
    if (!(Math.abs(g - w) <= atol + rtol * Math.abs(w))) return { index: i, got: g, want: w };
  }
  return null;
}

export function relL2(got: ArrayLike<number>, want: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < want.length; i++) {
    const d = got[i]! - want[i]!;
    num += d * d;
    den += want[i]! * want[i]!;
  }
  return Math.sqrt(num) / Math.max(Math.sqrt(den), 1e-300);
}

/** Throws with the first mismatch, so the test output says where and by how much. */
export function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, atol: number, rtol: number, what = 'tensor'): void {
  const m = firstMismatch(got, want, atol, rtol);
  if (m) {
    throw new Error(
      m.index < 0
        ? `${what}: length ${m.got} != ${m.want}`
        : `${what}: element ${m.index} is ${m.got}, want ${m.want} (atol ${atol}, rtol ${rtol})`,
    );
  }
}
