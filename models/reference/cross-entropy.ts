// float64 twin of kernels/cross-entropy.ts: per-row logsumexp, NLL of a target, argmax.
export function rowScoresRef(logits: ArrayLike<number>, rows: number, cols: number, targets: ArrayLike<number>) {
  const logsumexp = new Float64Array(rows);
  const nll = new Float64Array(rows);
  const argmax = new Uint32Array(rows);
  for (let r = 0; r < rows; r++) {
    let m = -Infinity;
    let a = 0;
    for (let c = 0; c < cols; c++) {
      const x = logits[r * cols + c]!;
      if (x > m) {
        m = x;
        a = c;
      }
    }
    let s = 0;
    for (let c = 0; c < cols; c++) s += Math.exp(logits[r * cols + c]! - m);
    logsumexp[r] = m + Math.log(s);
    const t = targets[r]!;
    nll[r] = t === 0xffffffff ? NaN : logsumexp[r]! - logits[r * cols + t]!;
    argmax[r] = a;
  }
  return { logsumexp, nll, argmax };
}
