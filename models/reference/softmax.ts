// float64 twin of kernels/softmax.ts: softmax of each row of length n.
export function softmaxRef(x: ArrayLike<number>, n: number): Float64Array {
  const out = new Float64Array(x.length);
  for (let o = 0; o < x.length; o += n) {
    let m = -Infinity;
    for (let i = 0; i < n; i++) m = Math.max(m, x[o + i]!);
    let s = 0;
    for (let i = 0; i < n; i++) s += Math.exp(x[o + i]! - m);
    for (let i = 0; i < n; i++) out[o + i] = Math.exp(x[o + i]! - m) / s;
  }
  return out;
}
