// float64 twins of kernels/embedding.ts.

/** Rows of `table` ([rows, d], global rows from rowOffset) by id; ids outside keep `into`'s values (zeros by default). */
export function gatherRowsRef(
  table: ArrayLike<number>,
  d: number,
  ids: ArrayLike<number>,
  rowOffset = 0,
  into?: ArrayLike<number>,
): Float64Array {
  const rows = table.length / d;
  const out = into ? Float64Array.from(into) : new Float64Array(ids.length * d);
  for (let t = 0; t < ids.length; t++) {
    const local = ids[t]! - rowOffset;
    if (local < 0 || local >= rows) continue;
    for (let c = 0; c < d; c++) out[t * d + c] = table[local * d + c]!;
  }
  return out;
}

/** x [B·T, d] plus wpe[posOffset + t] for each row's position t within its sequence of length T. */
export function addPositionsRef(x: ArrayLike<number>, wpe: ArrayLike<number>, d: number, T: number, posOffset = 0): Float64Array {
  const out = Float64Array.from(x);
  for (let i = 0; i < out.length; i++) {
    const t = Math.floor(i / d) % T;
    out[i] = out[i]! + wpe[(posOffset + t) * d + (i % d)]!;
  }
  return out;
}
