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

export function layerNormBackwardRef(dy: ArrayLike<number>, x: ArrayLike<number>, g: ArrayLike<number>, d: number, eps = 1e-5): Float64Array {
  const rows = x.length / d;
  const dx = new Float64Array(x.length);
  for (let r = 0; r < rows; r++) {
    let mu = 0;
    for (let j = 0; j < d; j++) mu += x[r * d + j]!;
    mu /= d;
    let v = 0;
    for (let j = 0; j < d; j++) v += (x[r * d + j]! - mu) ** 2;
    const rstd = 1 / Math.sqrt(v / d + eps);
    let m1 = 0;
    let m2 = 0;
    for (let j = 0; j < d; j++) {
      const xh = (x[r * d + j]! - mu) * rstd;
      const dxh = dy[r * d + j]! * g[j]!;
      m1 += dxh;
      m2 += dxh * xh;
    }
    m1 /= d;
    m2 /= d;
    for (let j = 0; j < d; j++) {
      const xh = (x[r * d + j]! - mu) * rstd;
      dx[r * d + j] = rstd * (dy[r * d + j]! * g[j]! - m1 - xh * m2);
    }
  }
  return dx;
}
