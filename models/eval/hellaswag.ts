// HellaSwag, zero-shot, as lm-evaluation-harness: the context is
// preprocess(activity_label + ": " + ctx_a + " " + capitalize(ctx_b)), the
// four preprocessed endings are the continuations.
import type { HellaSwagItem } from '../data/hellaswag.ts';
import type { Gpt2Tokenizer } from '../tokenizer/gpt2-tokenizer.ts';
import { scoreMultipleChoice, type ChoiceDecision, type ChoiceQuestion } from './multiple-choice.ts';
import type { ScoringModel } from './scoring-model.ts';
import type { TaskResult, TaskScoreOptions } from './task-types.ts';

/** The harness's clean-up of WikiHow artefacts: " [title]" → ". ", other [tags] dropped, double spaces merged. */
export function hellaswagPreprocess(text: string): string {
  return text.trim().replaceAll(' [title]', '. ').replace(/\[.*?\]/g, '').replaceAll('  ', ' ');
}

/** Python's str.capitalize(): first character upper case, the rest lower case. */
export function pyCapitalize(s: string): string {
  const chars = Array.from(s);
  return chars.length ? chars[0]!.toUpperCase() + chars.slice(1).join('').toLowerCase() : s;
}

export function hellaswagQuestion(it: HellaSwagItem): ChoiceQuestion {
  const ctx = `${it.ctx_a} ${pyCapitalize(it.ctx_b)}`;
  return { context: hellaswagPreprocess(`${it.activity_label}: ${ctx}`), choices: it.endings.map(hellaswagPreprocess), label: it.label };
}

export function scoreHellaSwag(lm: ScoringModel, tok: Gpt2Tokenizer, items: readonly HellaSwagItem[], opts: TaskScoreOptions = {}): Promise<TaskResult<ChoiceDecision>> {
  return scoreMultipleChoice(lm, tok, items.map(hellaswagQuestion), opts);
}
