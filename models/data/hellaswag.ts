// HellaSwag validation in rowanz/hellaswag's schema. Only the fields the
// lm-evaluation-harness prompt uses are kept (activity_label, ctx_a, ctx_b,
// endings, label); ind and source_id identify the item.
import { parseJsonLines } from './records.ts';

export interface HellaSwagItem {
  ind: number;
  activity_label: string;
  ctx_a: string;
  ctx_b: string;
  /** Exactly four candidate endings. */
  endings: string[];
  label: number;
}

export function parseHellaSwag(text: string, file = 'hellaswag.jsonl'): HellaSwagItem[] {
  return parseJsonLines(text, file, (r) => ({
    ind: r.integer('ind', 0, Number.MAX_SAFE_INTEGER),
    activity_label: r.string('activity_label'),
    ctx_a: r.string('ctx_a'),
    ctx_b: r.string('ctx_b'),
    endings: r.strings('endings', { min: 4, max: 4 }),
    label: r.integer('label', 0, 3),
  }));
}
