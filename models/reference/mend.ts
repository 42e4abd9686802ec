// Float64 twins of models/kernels/mend.ts.

/** x [n, din+dout]: the normalised rows `rows` of u [T, din] and δ [T, dout]; stats = [μ_u, σ_u, μ_δ, σ_δ]. */
export function mendInputRef(u: ArrayLike<number>, delta: ArrayLike<number>, din: number, dout: number, rows: readonly number[], stats: ArrayLike<number>, eps: number): Float64Array {
  const D = din + dout;
  const x = new Float64Array(rows.length * D);
  rows.forEach((r, n) => {
    for (let j = 0; j < din; j++) x[n * D + j] = (u[r * din + j]! - stats[j]!) / (stats[din + j]! + eps);
    for (let k = 0; k < dout; k++) x[n * D + din + k] = (delta[r * dout + k]! - stats[2 * din + k]!) / (stats[2 * din + dout + k]! + eps);
  });
  return x;
}

/** x + relu(pre · scale[mode] + shift[mode]), rows of width D. */
export function mendResidualRef(x: ArrayLike<number>, pre: ArrayLike<number>, scale: ArrayLike<number>, shift: ArrayLike<number>, D: number, mode: number): Float64Array {
  return Float64Array.from(x, (v, i) => v + Math.max(pre[i]! * scale[mode * D + (i % D)]! + shift[mode * D + (i % D)]!, 0));
}
