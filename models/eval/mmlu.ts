// MMLU, zero-shot, as lm-evaluation-harness's default mmlu task: the subject
// header, the question, the four lettered choices and "Answer:"; the
// continuations are " A", " B", " C", " D". (The paper's shot count could not
// be checked; zero-shot as evaluation.md says.)
import type { MmluItem } from '../data/mmlu.ts';
import type { Gpt2Tokenizer } from '../tokenizer/gpt2-tokenizer.ts';
import { scoreMultipleChoice, type ChoiceDecision, type ChoiceQuestion } from './multiple-choice.ts';
import type { ScoringModel } from './scoring-model.ts';
import type { TaskResult, TaskScoreOptions } from './task-types.ts';

export const MMLU_LETTERS = ['A', 'B', 'C', 'D'];

export function mmluPrompt(it: MmluItem): string {
  const header = `The following are multiple choice questions (with answers) about ${it.subject.replaceAll('_', ' ')}.\n\n`;
  const options = it.choices.map((c, i) => `${MMLU_LETTERS[i]}. ${c}`).join('\n');
  return `${header}${it.question.trim()}\n${options}\nAnswer:`;
}

export function mmluQuestion(it: MmluItem): ChoiceQuestion {
  return { context: mmluPrompt(it), choices: MMLU_LETTERS, label: it.answer_index };
}

export function scoreMmlu(lm: ScoringModel, tok: Gpt2Tokenizer, items: readonly MmluItem[], opts: TaskScoreOptions = {}): Promise<TaskResult<ChoiceDecision>> {
  return scoreMultipleChoice(lm, tok, items.map(mmluQuestion), opts);
}
