// CounterFact in ROME's counterfact.json schema. The rewrite prompt holds
// one "{}" for the subject; targets are stored without their leading space.
import type { EditRequest } from '../experiment.ts';
import { parseJsonRecords, type RecordFields } from './records.ts';

export interface CounterFactTarget {
  str: string;
  id: string;
}

export interface CounterFactRecord {
  case_id: number;
  pararel_idx: number;
  requested_rewrite: {
    prompt: string;
    relation_id: string;
    target_new: CounterFactTarget;
    target_true: CounterFactTarget;
    subject: string;
  };
  paraphrase_prompts: string[];
  neighborhood_prompts: string[];
  attribute_prompts: string[];
  generation_prompts: string[];
}

function target(r: RecordFields): CounterFactTarget {
  return { str: r.string('str', { nonEmpty: true }), id: r.string('id') };
}

function parseRecord(r: RecordFields): CounterFactRecord {
  const rw = r.object('requested_rewrite');
  const prompt = rw.string('prompt');
  if (prompt.split('{}').length !== 2) rw.fail('prompt', 'must contain exactly one "{}"');
  return {
    case_id: r.integer('case_id', 0, Number.MAX_SAFE_INTEGER),
    pararel_idx: r.integer('pararel_idx', 0, Number.MAX_SAFE_INTEGER),
    requested_rewrite: {
      prompt,
      relation_id: rw.string('relation_id'),
      target_new: target(rw.object('target_new')),
      target_true: target(rw.object('target_true')),
      subject: rw.string('subject', { nonEmpty: true }),
    },
    paraphrase_prompts: r.strings('paraphrase_prompts', { min: 1, nonEmpty: true }),
    neighborhood_prompts: r.strings('neighborhood_prompts', { min: 1, nonEmpty: true }),
    attribute_prompts: r.strings('attribute_prompts'),
    generation_prompts: r.strings('generation_prompts'),
  };
}

export function parseCounterFact(text: string, file = 'counterfact.json'): CounterFactRecord[] {
  return parseJsonRecords(text, file, parseRecord);
}

/** The edit a record asks for, in the Experiment's form. */
export function counterFactEdit(rec: CounterFactRecord): EditRequest {
  const rw = rec.requested_rewrite;
  return { prompt: rw.prompt, subject: rw.subject, target_new: rw.target_new.str, target_true: rw.target_true.str };
}
