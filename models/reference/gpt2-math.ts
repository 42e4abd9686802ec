// Float64 building blocks of the GPT-2 reference forward. Matrices are row-major
// Float64Arrays; a Conv1D weight is [in, out], so a projection is y = x @ W + b.
// Kept apart from the per-kernel twins (matmul.ts, layernorm.ts ...) on purpose: the model oracle
// stays independent of them, and its i-k-j loop is fast enough for the 50257-row LM head.

/** x [rows, n] @ w [n, m] + b [m] -> [rows, m]. */
export function linear(x: Float64Array, rows: number, n: number, w: Float64Array, b: Float64Array, m: number): Float64Array {
  const y = new Float64Array(rows * m);
  for (let r = 0; r < rows; r++) {
    const yr = r * m;
    for (let j = 0; j < m; j++) y[yr + j] = b[j]!;
    // i-k-j order walks W row by row, which is what makes this fast enough.
    for (let k = 0; k < n; k++) {
      const xk = x[r * n + k]!;
      const wk = k * m;
      for (let j = 0; j < m; j++) y[yr + j]! += xk * w[wk + j]!;
    }
  }
  return y;
}

/** LayerNorm over each row of x [rows, d]: biased variance, eps inside the sqrt. */
export function layerNorm(x: Float64Array, rows: number, d: number, g: Float64Array, b: Float64Array, eps: number): Float64Array {
  const y = new Float64Array(rows * d);
  for (let r = 0; r < rows; r++) {
    const o = r * d;
    let mean = 0;
    for (let i = 0; i < d; i++) mean += x[o + i]!;
    mean /= d;
    let variance = 0;
    for (let i = 0; i < d; i++) variance += (x[o + i]! - mean) ** 2;
    variance /= d;
    const inv = 1 / Math.sqrt(variance + eps);
    for (let i = 0; i < d; i++) y[o + i] = (x[o + i]! - mean) * inv * g[i]! + b[i]!;
  }
  return y;
}

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

/** GPT-2's tanh approximation of GELU ("gelu_new"). */
export function geluNew(x: number): number {
  return 0.5 * x * (1 + Math.tanh(SQRT_2_OVER_PI * (x + 0.044715 * x * x * x)));
}

/** log Σ exp(row), with the max subtracted first so 50257 logits cannot overflow. */
export function logSumExp(row: ArrayLike<number>, start = 0, length = row.length - start): number {
  let max = -Infinity;
  for (let i = 0; i < length; i++) max = Math.max(max, row[start + i]!);
  let sum = 0;
  for (let i = 0; i < length; i++) sum += Math.exp(row[start + i]! - max);
  return max + Math.log(sum);
}
