// FLOPs of one GPT-2 forward pass, counted as 2 per multiply-add of the
// matrix products (projections, attention scores and mixing, unembedding).
// Layernorm, GELU and softmax are left out: they are a few percent at most.
import type { Gpt2Config } from '../models/gpt2/config.ts';

export function gpt2ForwardFlops(c: Pick<Gpt2Config, 'nEmbd' | 'nLayer' | 'nInner' | 'vocabSize'>, batch: number, seq: number): number {
  const d = c.nEmbd;
  const tokens = batch * seq;
  const projections = c.nLayer * (d * 3 * d + d * d + 2 * d * c.nInner);
  const attention = c.nLayer * 2 * seq * seq * d * batch; // Q·Kᵀ and P·V over the full square
  const unembedding = d * c.vocabSize;
  return 2 * (tokens * (projections + unembedding) + attention);
}

export function matmulFlops(m: number, k: number, n: number): number {
  return 2 * m * k * n;
}
