// PIQA, zero-shot, as lm-evaluation-harness: "Question: {goal}\nAnswer:",
// the two solutions as continuations.
import type { PiqaItem } from '../data/piqa.ts';
import type { Gpt2Tokenizer } from '../tokenizer/gpt2-tokenizer.ts';
import { scoreMultipleChoice, type ChoiceDecision, type ChoiceQuestion } from './multiple-choice.ts';
import type { ScoringModel } from './scoring-model.ts';
import type { TaskResult, TaskScoreOptions } from './task-types.ts';

export function piqaQuestion(it: PiqaItem): ChoiceQuestion {
  return { context: `Question: ${it.goal}\nAnswer:`, choices: [it.sol1, it.sol2], label: it.label };
}

export function scorePiqa(lm: ScoringModel, tok: Gpt2Tokenizer, items: readonly PiqaItem[], opts: TaskScoreOptions = {}): Promise<TaskResult<ChoiceDecision>> {
  return scoreMultipleChoice(lm, tok, items.map(piqaQuestion), opts);
}
