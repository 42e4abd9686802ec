// The custom-fact form's rules, with one message per field for people.
// The prompt needs exactly one "{}" where the subject goes. Pure logic.
import type { EditRequest } from '../models/experiment.ts';

export interface FactDraft {
  prompt: string;
  subject: string;
  targetNew: string;
  targetTrue: string;
}

export type FactErrors = Partial<Record<keyof FactDraft, string>>;

export const FACT_MAX_LENGTH = 500;

export function validateFact(d: FactDraft): { request: EditRequest | null; errors: FactErrors } {
  const errors: FactErrors = {};
  const braces = d.prompt.split('{}').length - 1;
  if (!d.prompt.trim()) errors.prompt = 'Write a prompt, with {} where the subject goes.';
  else if (braces === 0) errors.prompt = 'Put {} where the subject goes, e.g. “{} plays the sport of”.';
  else if (braces > 1) errors.prompt = `Use {} exactly once (found ${braces}).`;
  else if (d.prompt.trim() === '{}') errors.prompt = 'The prompt needs words around {}: the model completes it with the target.';
  else if (/[{}]/.test(d.prompt.replace('{}', ''))) errors.prompt = 'Only one pair of braces, written {}, is allowed.';
  if (!d.subject.trim()) errors.subject = 'Name the subject (it replaces {}).';
  if (!d.targetNew.trim()) errors.targetNew = 'Give the new target the model should say.';
  else if (d.targetTrue.trim() && d.targetNew.trim() === d.targetTrue.trim()) errors.targetNew = 'The new target is the same as the true one: nothing would change.';
  for (const k of ['prompt', 'subject', 'targetNew', 'targetTrue'] as const) {
    if (d[k].length > FACT_MAX_LENGTH) errors[k] = `At most ${FACT_MAX_LENGTH} characters.`;
  }
  if (Object.keys(errors).length) return { request: null, errors };
  const request: EditRequest = { prompt: d.prompt.trim(), subject: d.subject.trim(), target_new: d.targetNew.trim() };
  if (d.targetTrue.trim()) request.target_true = d.targetTrue.trim();
  return { request, errors };
}

export function factText(r: EditRequest): string {
  return r.prompt.replace('{}', r.subject);
}
