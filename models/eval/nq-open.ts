// NQ-open, zero-shot, as lm-evaluation-harness's nq_open prompt
// ("Q: {question}?\nA:", answer cut at "\n", "." or ","): greedy generation
// of at most 16 new tokens, exact match against any gold answer after the
// SQuAD normalisation.
import type { NqOpenItem } from '../data/nq-open.ts';
import type { Gpt2Tokenizer } from '../tokenizer/gpt2-tokenizer.ts';
import { greedyGenerate } from './greedy.ts';
import type { ScoringModel } from './scoring-model.ts';
import { bestExactMatch } from './squad-metrics.ts';
import { mean, type TaskResult, type TaskScoreOptions } from './task-types.ts';

export const QA_MAX_NEW_TOKENS = 16;
export const NQ_UNTIL = ['\n', '.', ','];

export interface QaItemResult {
  prediction: string;
  em: number;
  f1?: number;
  truncated: number;
}

/** Greedy answers to QA prompts, each cut at the first of `until` (NQ-open and SQuAD). */
export function greedyAnswers(
  lm: ScoringModel,
  tok: Gpt2Tokenizer,
  prompts: readonly string[],
  until: readonly string[],
  opts: TaskScoreOptions & { maxNewTokens?: number },
): ReturnType<typeof greedyGenerate> {
  return greedyGenerate(
    lm,
    tok,
    prompts.map((p) => tok.encode(p)),
    { maxNewTokens: opts.maxNewTokens ?? QA_MAX_NEW_TOKENS, until, signal: opts.signal, onProgress: (d, n) => opts.onProgress?.(d / n) },
  );
}

export const nqPrompt = (it: NqOpenItem): string => `Q: ${it.question}?\nA:`;

export async function scoreNqOpen(
  lm: ScoringModel,
  tok: Gpt2Tokenizer,
  items: readonly NqOpenItem[],
  opts: TaskScoreOptions & { maxNewTokens?: number } = {},
): Promise<TaskResult<QaItemResult>> {
  const gens = await greedyAnswers(lm, tok, items.map(nqPrompt), NQ_UNTIL, opts);
  const res = gens.map((g, i) => ({ prediction: g.text, em: bestExactMatch(items[i]!.answers, g.text), truncated: g.truncated }));
  const em = mean(res.map((r) => r.em));
  return { accuracy: em, metrics: { em, n: res.length, truncated: res.filter((r) => r.truncated > 0).length }, items: res };
}
