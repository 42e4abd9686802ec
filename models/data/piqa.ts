// PIQA validation: {"goal", "sol1", "sol2", "label": 0 | 1} (label joined from valid-labels.lst).
import { parseJsonLines } from './records.ts';

export interface PiqaItem {
  goal: string;
  sol1: string;
  sol2: string;
  /** 0: sol1 is right, 1: sol2. */
  label: 0 | 1;
}

export function parsePiqa(text: string, file = 'piqa.jsonl'): PiqaItem[] {
  return parseJsonLines(text, file, (r) => ({
    goal: r.string('goal', { nonEmpty: true }),
    sol1: r.string('sol1'),
    sol2: r.string('sol2'),
    label: r.integer('label', 0, 1) as 0 | 1,
  }));
}
