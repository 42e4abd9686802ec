// zsRE in the MEND/ROME eval schema plus EasyEdit's portability field:
// {"subject", "src", "pred", "rephrase", "alt", "answers"[], "loc", "loc_ans", "cond", "portability"?}.
import type { EditRequest } from '../experiment.ts';
import { parseJsonRecords } from './records.ts';

export interface ZsreRecord {
  subject: string;
  /** The question; contains the subject verbatim. */
  src: string;
  /** MEND's original model prediction (not ours). */
  pred: string;
  rephrase: string;
  /** The new answer the edit teaches. */
  alt: string;
  answers: string[];
  /** An unrelated NQ question ("nq question: ...") and its answer, for locality. */
  loc: string;
  loc_ans: string;
  cond: string;
  portability?: { recalled_relation: string; question: string; answer: string };
}

export function parseZsre(text: string, file = 'zsre.json'): ZsreRecord[] {
  return parseJsonRecords(text, file, (r) => {
    const rec: ZsreRecord = {
      subject: r.string('subject', { nonEmpty: true }),
      src: r.string('src', { nonEmpty: true }),
      pred: r.string('pred'),
      rephrase: r.string('rephrase', { nonEmpty: true }),
      alt: r.string('alt', { nonEmpty: true }),
      answers: r.strings('answers', { min: 1 }),
      loc: r.string('loc'),
      loc_ans: r.string('loc_ans'),
      cond: r.string('cond'),
    };
    if (!rec.src.includes(rec.subject)) r.fail('subject', `does not occur in "src" (${JSON.stringify(rec.src.slice(0, 60))})`);
    if (r.has('portability')) {
      const p = r.object('portability');
      rec.portability = { recalled_relation: p.string('Recalled Relation'), question: p.string('New Question'), answer: p.string('New Answer') };
    }
    return rec;
  });
}

/** ROME's zsRE edit: the subject's first occurrence in the question becomes "{}", the target is `alt`. */
export function zsreEdit(rec: ZsreRecord): EditRequest {
  const i = rec.src.indexOf(rec.subject);
  const prompt = rec.src.slice(0, i) + '{}' + rec.src.slice(i + rec.subject.length);
  return { prompt, subject: rec.subject, target_new: rec.alt, target_true: rec.answers[0]! };
}
