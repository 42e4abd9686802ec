// float64 twin of kernels/gelu.ts, in GPT-2's own tanh form.
export function geluRef(x: ArrayLike<number>): Float64Array {
  const out = new Float64Array(x.length);
  const c = Math.sqrt(2 / Math.PI);
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    out[i] = 0.5 * v * (1 + Math.tanh(c * (v + 0.044715 * v ** 3)));
  }
  return out;
}
