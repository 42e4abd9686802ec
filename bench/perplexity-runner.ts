// One backend's perplexity pass, as the benchmark sees it: token ids in,
// per-token NLL out (the forward pass plus the small read-back every
// backend needs to report a perplexity).

export interface PerplexityRunner {
  /** Human-readable configuration: library version, provider, threads, adapter. */
  readonly detail: string;
  /** NLL of tokens 2..seq of each sequence, [batch·(seq−1)], for ids [batch·seq]. */
  nll(ids: Int32Array, batch: number, seq: number): Promise<Float32Array>;
  /** Free the model (GPU buffers, wasm heap) before the next backend loads. */
  release(): Promise<void>;
}

export function meanOf(values: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i]!;
  return s / values.length;
}
