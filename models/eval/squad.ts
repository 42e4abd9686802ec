// SQuAD 2.0, zero-shot, as lm-evaluation-harness's squadv2 prompt
// ("Title: …\n\nBackground: …\n\nQuestion: …\n\nAnswer:", answer cut at
// "\n"): greedy generation of at most 16 new tokens; exact match and token
// F1 by the official script (an unanswerable question's gold answer is "",
// so only an empty answer scores on it). Long paragraphs are cut from the
// left to fit the model's context (greedy.ts), which can drop the title.
import type { SquadItem } from '../data/squad.ts';
import type { Gpt2Tokenizer } from '../tokenizer/gpt2-tokenizer.ts';
import { greedyAnswers, type QaItemResult } from './nq-open.ts';
import type { ScoringModel } from './scoring-model.ts';
import { bestExactMatch, bestF1 } from './squad-metrics.ts';
import { mean, type TaskResult, type TaskScoreOptions } from './task-types.ts';

export const squadPrompt = (it: SquadItem): string => `Title: ${it.title}\n\nBackground: ${it.context}\n\nQuestion: ${it.question}\n\nAnswer:`;

export async function scoreSquad(
  lm: ScoringModel,
  tok: Gpt2Tokenizer,
  items: readonly SquadItem[],
  opts: TaskScoreOptions & { maxNewTokens?: number } = {},
): Promise<TaskResult<QaItemResult>> {
  const gens = await greedyAnswers(lm, tok, items.map(squadPrompt), ['\n'], opts);
  const res = gens.map((g, i) => {
    const it = items[i]!;
    return { prediction: g.text, em: bestExactMatch(it.answers, g.text), f1: bestF1(it.answers, g.text), truncated: g.truncated };
  });
  const em = mean(res.map((r) => r.em));
  const has = res.filter((_, i) => !items[i]!.is_impossible);
  const no = res.filter((_, i) => items[i]!.is_impossible);
  return {
    accuracy: em,
    metrics: {
      em,
      f1: mean(res.map((r) => r.f1)),
      // Only over parts the subsample has: an empty part would read as NaN, i.e. as a broken model.
      ...(has.length ? { has_ans_em: mean(has.map((r) => r.em)) } : {}),
      ...(no.length ? { no_ans_em: mean(no.map((r) => r.em)) } : {}),
      n: res.length,
      truncated: res.filter((r) => r.truncated > 0).length,
    },
    items: res,
  };
}
