// SQuAD 2.0 dev sample, one question per line: {"id", "title", "context",
// "question", "answers"[], "answer_starts"[], "is_impossible", "plausible_answers"[]}.
// Unanswerable questions have no answers; the official metric then compares with "".
import { parseJsonLines } from './records.ts';

export interface SquadItem {
  id: string;
  title: string;
  context: string;
  question: string;
  /** Gold answers (possibly repeated); empty when is_impossible. */
  answers: string[];
  is_impossible: boolean;
}

export function parseSquad(text: string, file = 'squad_v2.jsonl'): SquadItem[] {
  return parseJsonLines(text, file, (r) => {
    const item: SquadItem = {
      id: r.string('id', { nonEmpty: true }),
      title: r.string('title'),
      context: r.string('context', { nonEmpty: true }),
      question: r.string('question', { nonEmpty: true }),
      answers: r.strings('answers'),
      is_impossible: r.boolean('is_impossible'),
    };
    if (item.is_impossible && item.answers.length) r.fail('answers', 'must be empty when is_impossible is true');
    if (!item.is_impossible && !item.answers.length) r.fail('answers', 'is empty but is_impossible is false');
    return item;
  });
}
