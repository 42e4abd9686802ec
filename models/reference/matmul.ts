// float64 twin of kernels/matmul.ts: C = op(A)·op(B) (+ bias), per batch.
export interface MatmulRefArgs {
  M: number;
  N: number;
  K: number;
  /** Number of batches; an operand with stride 0 is shared across them. */
  batch?: number;
  transA?: boolean;
  transB?: boolean;
  /** Elements between batches of A / B (default: a full matrix; 0 = shared). */
  strideA?: number;
  strideB?: number;
  bias?: ArrayLike<number>;
}

export function matmulRef(a: ArrayLike<number>, b: ArrayLike<number>, args: MatmulRefArgs): Float64Array {
  const { M, N, K, transA = false, transB = false, bias } = args;
  const batch = args.batch ?? 1;
  const strideA = args.strideA ?? M * K;
  const strideB = args.strideB ?? K * N;
  const out = new Float64Array(batch * M * N);
  for (let z = 0; z < batch; z++) {
    const oa = z * strideA;
    const ob = z * strideB;
    for (let m = 0; m < M; m++) {
      for (let n = 0; n < N; n++) {
        let s = bias ? bias[n]! : 0;
        for (let k = 0; k < K; k++) {
          const av = a[oa + (transA ? k * M + m : m * K + k)]!;
          const bv = b[ob + (transB ? n * K + k : k * N + n)]!;
          s += av * bv;
        }
        out[z * M * N + m * N + n] = s;
      }
    }
  }
  return out;
}

/** float64 twin of linearWeightGrads: dW = xᵀ·dy [K, N], db = Σ_rows dy [N]; x [M, K], dy [M, N]. */
export function linearWeightGradsRef(x: ArrayLike<number>, dy: ArrayLike<number>, M: number, K: number, N: number): { dW: Float64Array; db: Float64Array } {
  const dW = new Float64Array(K * N);
  const db = new Float64Array(N);
  for (let m = 0; m < M; m++) {
    for (let n = 0; n < N; n++) db[n]! += dy[m * N + n]!;
    for (let k = 0; k < K; k++) {
      const xv = x[m * K + k]!;
      for (let n = 0; n < N; n++) dW[k * N + n]! += xv * dy[m * N + n]!;
    }
  }
  return { dW, db };
}
