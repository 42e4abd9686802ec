// Perplexity by the paper's protocol (shared/spec/evaluation.md):
// per text, PPL = exp(mean NLL of tokens 2..T) — the first token is never
// scored and no BOS is added; ME-PPL is the arithmetic mean of those per-text
// perplexities; the corpus perplexity exp(mean NLL over all scored tokens) is
// reported beside it, labelled as such.

export interface TextScore {
  /** Tokens in the text (the first is context only, so tokens-1 NLLs). */
  tokens: number;
  /** NLL of tokens 2..T in nats. */
  nll: number[];
  ppl: number;
}

export interface PerplexityReport {
  me_ppl: number;
  ppl_corpus: number;
  per_text: TextScore[];
}

export function textScore(tokens: number, nll: ArrayLike<number>): TextScore {
  const list = Array.from(nll);
  if (list.length !== Math.max(0, tokens - 1)) throw new Error(`textScore: ${list.length} NLLs for ${tokens} tokens`);
  const mean = list.length ? list.reduce((a, b) => a + b, 0) / list.length : NaN;
  return { tokens, nll: list, ppl: Math.exp(mean) };
}

/**
 * Texts shorter than two tokens have nothing to score and are left out of
 * both means (they still appear in per_text with ppl NaN). NaN or Inf NLLs
 * propagate: a broken model must not look healthy.
 */
export function perplexityReport(perText: TextScore[]): PerplexityReport {
  let pplSum = 0;
  let pplCount = 0;
  let nllSum = 0;
  let nllCount = 0;
  for (const t of perText) {
    if (t.nll.length === 0) continue;
    pplSum += t.ppl;
    pplCount++;
    for (const x of t.nll) nllSum += x;
    nllCount += t.nll.length;
  }
  return {
    me_ppl: pplCount ? pplSum / pplCount : NaN,
    ppl_corpus: nllCount ? Math.exp(nllSum / nllCount) : NaN,
    per_text: perText,
  };
}
