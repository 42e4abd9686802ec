// NQ-open: {"question": str, "answer": [str, ...]} (every listed answer counts).
import { parseJsonLines } from './records.ts';

export interface NqOpenItem {
  question: string;
  answers: string[];
}

export function parseNqOpen(text: string, file = 'NQ-open.jsonl'): NqOpenItem[] {
  return parseJsonLines(text, file, (r) => ({
    question: r.string('question', { nonEmpty: true }),
    answers: r.strings('answer', { min: 1, nonEmpty: true }),
  }));
}
