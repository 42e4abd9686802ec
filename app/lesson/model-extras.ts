// What a model's folder may add to the lesson: hard_cases.json (mined
// collapse-prone edits, ranked) and facts.json (facts the model was trained
// on). Both are optional and untrusted: anything malformed is ignored and the
// lesson falls back to LESSON_CONTENT. Parsing is pure; fetching is one call.
import type { EditRequest } from '../../models/experiment.ts';
import type { ModelLocation } from '../../models/lab-types.ts';
import { LESSON_CONTENT, type Probe } from './lesson-steps.ts';

export interface HardCase extends EditRequest {
  caseId: number | null;
  /** ME-PPL after the edit ÷ before, when mined (hard_cases.json's ratio_rome). */
  ratio: number | null;
}

const isStr = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && v.length < 500;

/** hard_cases.json → its cases in order (most collapse-prone first); [] when unusable. */
export function parseHardCases(value: unknown): HardCase[] {
  const cases = (value as { cases?: unknown })?.cases;
  if (!Array.isArray(cases)) return [];
  const out: HardCase[] = [];
  for (const c of cases.slice(0, 200)) {
    const r = c as Record<string, unknown>;
    if (!isStr(r.prompt) || !isStr(r.subject) || !isStr(r.target_new) || r.prompt.split('{}').length !== 2) continue;
    out.push({
      prompt: r.prompt,
      subject: r.subject,
      target_new: r.target_new,
      ...(isStr(r.target_true) ? { target_true: r.target_true } : {}),
      caseId: typeof r.case_id === 'number' ? r.case_id : null,
      ratio: typeof r.ratio_rome === 'number' && Number.isFinite(r.ratio_rome) ? r.ratio_rome : null,
    });
  }
  return out;
}

/** facts.json → up to `n` facts as probes (template prompt, subject, true target). */
export function parseKnownFacts(value: unknown, n: number): Probe[] {
  if (!Array.isArray(value)) return [];
  const out: Probe[] = [];
  for (const f of value) {
    const r = f as Record<string, unknown>;
    if (!isStr(r.prompt) || !isStr(r.subject) || !isStr(r.target) || r.prompt.split('{}').length !== 2) continue;
    out.push({ prompt: r.prompt, subject: r.subject, expected: r.target });
    if (out.length >= n) break;
  }
  return out;
}

export interface ModelExtras {
  hardCases: HardCase[];
  known: Probe[];
}

const cache = new Map<string, Promise<ModelExtras>>();

async function fetchJson(url: string): Promise<unknown> {
  try {
    const res = await fetch(url);
    if (!res.ok || !(res.headers.get('content-type') ?? '').includes('json')) return null;
    return await res.json();
  } catch {
    return null;
  }
}

/** The extras of a served model folder (the bundled models); other locations have none. */
export function modelExtras(location: ModelLocation | null): Promise<ModelExtras> {
  if (!location || location.kind !== 'url') return Promise.resolve({ hardCases: [], known: [] });
  const base = location.url.endsWith('/') ? location.url : `${location.url}/`;
  let p = cache.get(base);
  if (!p) {
    p = Promise.all([fetchJson(`${base}hard_cases.json`), fetchJson(`${base}facts.json`)]).then(([hard, facts]) => ({
      hardCases: parseHardCases(hard),
      known: parseKnownFacts(facts, LESSON_CONTENT.known.length),
    }));
    cache.set(base, p);
  }
  return p;
}

/** The hard edit the lesson uses: the folder's most collapse-prone mined case, else the table's fallback. */
export function lessonHardCase(extras: ModelExtras): EditRequest {
  const top = extras.hardCases[0];
  if (top) return { prompt: top.prompt, subject: top.subject, target_new: top.target_new, ...(top.target_true ? { target_true: top.target_true } : {}) };
  const { caseId: _id, ...fallback } = LESSON_CONTENT.hardFallback;
  return fallback;
}

export function lessonKnown(extras: ModelExtras): Probe[] {
  return extras.known.length ? extras.known : LESSON_CONTENT.known;
}
