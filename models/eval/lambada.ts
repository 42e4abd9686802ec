// LAMBADA (OpenAI version), zero-shot, as lm-evaluation-harness's
// lambada_openai: the context, then " " + the last word as the continuation.
// acc: greedy decoding reproduces the word's tokens exactly (teacher-forced
// argmax at every target token: the same thing, in one pass). ppl: the
// harness's perplexity, exp(−mean over passages of the word's summed
// log-likelihood); ppl_token: exp of the mean NLL per target token.
import type { LambadaItem } from '../data/lambada.ts';
import type { Gpt2Tokenizer } from '../tokenizer/gpt2-tokenizer.ts';
import { encodePair } from './encode-pair.ts';
import { loglikelihoods } from './loglik.ts';
import type { ScoringModel } from './scoring-model.ts';
import { mean, type TaskResult, type TaskScoreOptions } from './task-types.ts';

export interface LambadaItemResult {
  logLik: number;
  tokens: number;
  correct: number;
  truncated: number;
}

export async function scoreLambada(lm: ScoringModel, tok: Gpt2Tokenizer, items: readonly LambadaItem[], opts: TaskScoreOptions = {}): Promise<TaskResult<LambadaItemResult>> {
  const reqs = items.map((it) => encodePair(tok, it.context, ' ' + it.continuation));
  const rs = await loglikelihoods(lm, reqs, { signal: opts.signal, onProgress: (d, n) => opts.onProgress?.(d / n) });
  const res = rs.map((r) => ({ logLik: r.logLik, tokens: r.tokens, correct: r.greedy ? 1 : 0, truncated: r.truncated }));
  const acc = mean(res.map((r) => r.correct));
  const tokens = res.reduce((a, r) => a + r.tokens, 0);
  return {
    accuracy: acc,
    metrics: {
      acc,
      ppl: Math.exp(-mean(res.map((r) => r.logLik))),
      ppl_token: Math.exp(-res.reduce((a, r) => a + r.logLik, 0) / tokens),
      n: res.length,
      truncated: res.filter((r) => r.truncated > 0).length,
    },
    items: res,
  };
}
