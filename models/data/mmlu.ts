// MMLU subset: {"subject", "question", "choices"[4], "answer_index" 0-3, "answer" "A"-"D"}.
import { parseJsonLines } from './records.ts';

export interface MmluItem {
  subject: string;
  question: string;
  choices: string[];
  answer_index: number;
}

const LETTERS = ['A', 'B', 'C', 'D'];

export function parseMmlu(text: string, file = 'mmlu.jsonl'): MmluItem[] {
  return parseJsonLines(text, file, (r) => {
    const item = {
      subject: r.string('subject', { nonEmpty: true }),
      question: r.string('question', { nonEmpty: true }),
      choices: r.strings('choices', { min: 4, max: 4 }),
      answer_index: r.integer('answer_index', 0, 3),
    };
    // The letter is redundant; when present it must agree with the index.
    if (r.has('answer') && r.string('answer') !== LETTERS[item.answer_index]) {
      r.fail('answer', `is "${r.string('answer')}" but answer_index ${item.answer_index} means "${LETTERS[item.answer_index]}"`);
    }
    return item;
  });
}
