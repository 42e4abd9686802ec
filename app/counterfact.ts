// The bundled CounterFact subset: parsing (defensively: it is a file we ship,
// but a broken record must not break the panel) and search. Pure logic.
import type { EditRequest } from '../models/experiment.ts';

export interface CounterFactRecord {
  caseId: number;
  relation: string;
  request: EditRequest;
}

export function parseCounterFact(value: unknown): CounterFactRecord[] {
  if (!Array.isArray(value)) throw new Error('the CounterFact file is not a list of records');
  const out: CounterFactRecord[] = [];
  for (const rec of value) {
    const r = (rec as { requested_rewrite?: Record<string, unknown> })?.requested_rewrite;
    const prompt = r?.prompt;
    const subject = r?.subject;
    const tNew = (r?.target_new as { str?: unknown } | undefined)?.str;
    const tTrue = (r?.target_true as { str?: unknown } | undefined)?.str;
    if (typeof prompt !== 'string' || typeof subject !== 'string' || typeof tNew !== 'string' || prompt.split('{}').length !== 2) continue;
    out.push({
      caseId: typeof rec.case_id === 'number' ? rec.case_id : out.length,
      relation: typeof r?.relation_id === 'string' ? r.relation_id : '',
      request: { prompt, subject, target_new: tNew, ...(typeof tTrue === 'string' ? { target_true: tTrue } : {}) },
    });
  }
  return out;
}

/** Records whose subject, prompt, targets or relation contain every word of the query (case-insensitive). */
export function searchCounterFact(records: readonly CounterFactRecord[], query: string, limit = 50): CounterFactRecord[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  const hits: CounterFactRecord[] = [];
  for (const rec of records) {
    const hay = `${rec.request.prompt.replace('{}', rec.request.subject)} ${rec.request.target_new} ${rec.request.target_true ?? ''} ${rec.relation} #${rec.caseId}`.toLowerCase();
    if (words.every((w) => hay.includes(w))) hits.push(rec);
    if (hits.length >= limit) break;
  }
  return hits;
}
