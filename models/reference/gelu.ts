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

export function geluBackwardRef(dy: ArrayLike<number>, x: ArrayLike<number>): Float64Array {
  const k = Math.sqrt(2 / Math.PI);
  return Float64Array.from(x, (v, i) => {
    const t = Math.tanh(k * (v + 0.044715 * v ** 3));
    return dy[i]! * (0.5 * (1 + t) + 0.5 * v * (1 - t * t) * k * (1 + 3 * 0.044715 * v * v));
  });
}
