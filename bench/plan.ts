// What one benchmark run measures: shared by the Node orchestrator (which
// builds it from the command line) and the page (which receives it in its URL).

export type PerplexityBackend = 'ours' | 'ort-webgpu' | 'ort-wasm';
export const PERPLEXITY_BACKENDS: readonly PerplexityBackend[] = ['ours', 'ort-webgpu', 'ort-wasm'];

export interface ShapePlan {
  /** 'tiny' (the bundled fixture) or 'small' (GPT-2 small, random weights). */
  name: string;
  /** URL of the folder holding config.json and model.safetensors. */
  modelUrl: string;
  /** URL of the exported ONNX graph (input_ids → nll). */
  onnxUrl: string;
  /** Sequences per forward pass. */
  batch: number;
  /** Tokens per sequence. */
  seq: number;
  /** Untimed runs before timing (compilation, allocation). */
  warmup: number;
  /** Timed runs; the median is reported. */
  repeats: number;
  /** Stop repeating (after at least one timed run) once a backend has spent this long on the shape. */
  budgetSeconds: number;
}

/** C[M,N] = A[M,K]·B[K,N], or ·B[N,K]ᵀ with transB (the tied unembedding's layout). */
export interface MatmulShape {
  m: number;
  k: number;
  n: number;
  transB?: boolean;
}

export interface MatmulPlan {
  shapes: MatmulShape[];
  /** Names from MATMUL_CONFIGS; empty means all of them. */
  configs: string[];
  /** Dispatches per timing round are chosen to take about this long. */
  minSeconds: number;
  /** Timing rounds per point; the fastest counts (a shared CPU only ever slows a round down). */
  rounds: number;
}

export interface BenchPlan {
  shapes: ShapePlan[];
  backends: PerplexityBackend[];
  /** Null skips the matmul sweep (then no peak is measured). */
  matmul: MatmulPlan | null;
  /** Seed of the token ids, identical for every backend. */
  seed: number;
}

export interface TimedRuns {
  /** Seconds per forward pass, timed runs only. */
  seconds: number[];
  medianSeconds: number;
  warmupSeconds: number[];
}

export interface PerplexityResult {
  backend: PerplexityBackend;
  shape: string;
  batch: number;
  seq: number;
  /** 'ok', or why there is no number ('not available: ...', 'failed: ...'). */
  status: string;
  loadSeconds?: number;
  runs?: TimedRuns;
  /** Tokens through the forward pass per second (batch·seq / median). */
  tokensPerSecond?: number;
  /** Model FLOPs per forward pass / median seconds. */
  gflops?: number;
  /** Mean NLL over the batch: backends on identical weights and ids must agree. */
  meanNll?: number;
  /** Threads / adapter / provider details. */
  detail?: string;
}

export interface MatmulResult {
  config: string;
  m: number;
  k: number;
  n: number;
  transB: boolean;
  /** Dispatches per timing round. */
  dispatches: number;
  secondsPerDispatch: number;
  gflops: number;
}

export interface BenchResult {
  startedAt: string;
  userAgent: string;
  adapter: string;
  crossOriginIsolated: boolean;
  plan: BenchPlan;
  perplexity: PerplexityResult[];
  matmul: MatmulResult[];
  /** Best GFLOP/s of our matmul over every config and shape: the adapter's measured peak. */
  matmulPeakGflops: number | null;
  matmulTiming: 'wall time around onSubmittedWorkDone';
}
