// float64 twin of kernels/layernorm.ts.
export interface LayerNormRef {
  out: Float64Array;
  mean: Float64Array;
  rstd: Float64Array;
}

export function layerNormRef(x: ArrayLike<number>, g: ArrayLike<number>, b: ArrayLike<number>, d: number, eps = 1e-5): LayerNormRef {
  const rows = x.length / d;
  const out = new Float64Array(x.length);
  const mean = new Float64Array(rows);
  const rstd = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    const o = r * d;
    let s = 0;
    for (let i = 0; i < d; i++) s += x[o + i]!;
    const m = s / d;
    let q = 0;
    for (let i = 0; i < d; i++) q += (x[o + i]! - m) ** 2;
    const rs = 1 / Math.sqrt(q / d + eps);
    for (let i = 0; i < d; i++) out[o + i] = (x[o + i]! - m) * rs * g[i]! + b[i]!;
    mean[r] = m;
    rstd[r] = rs;
  }
  return { out, mean, rstd };
}
