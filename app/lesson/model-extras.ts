// What a model's folder may add to the lesson: hard_cases.json (mined
// collapse-prone edits, from `lab mine`; read by app/hard-cases.ts) and
// facts.json (the facts the demo model was trained on, with their
// phrasings). Both are optional and untrusted: a malformed file or entry is
// left out and the lesson falls back to LESSON_CONTENT (lesson/lesson-plan.ts
// decides). Parsing is pure; fetching is one call per folder.
import type { ModelLocation } from '../../models/lab-types.ts';
import { parseHardCases, type HardCases } from '../hard-cases.ts';

/** One fact of facts.json: a template prompt, its subject and true target, and the sentences it was taught and held out in. */
export interface ModelFact {
  prompt: string;
  subject: string;
  target: string;
  /** Wikidata relation (P36 …); facts of one relation are neighbours. */
  relation: string | null;
  /** Phrasings (whole prompts, subject filled in) the model was trained on, and held-out ones. */
  trained: string[];
  heldout: string[];
}

export interface ModelExtras {
  hardCases: HardCases | null;
  facts: ModelFact[];
}

export const NO_EXTRAS: ModelExtras = { hardCases: null, facts: [] };

const MAX_FACTS = 5000;
const isStr = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && v.length < 500;
const onePlaceholder = (prompt: string) => prompt.split('{}').length === 2;
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter(isStr).slice(0, 50) : []);

/** hard_cases.json, or null when the folder has none or it is unusable. */
export function readHardCases(value: unknown): HardCases | null {
  if (value === null) return null;
  try {
    return parseHardCases(value);
  } catch (e) {
    console.warn(`Lesson: ignoring hard_cases.json: ${e instanceof Error ? e.message : String(e)}`);
    return null;
  }
}

/** facts.json ({facts: [...]} as training writes it, or a bare array) → its usable facts. */
export function parseModelFacts(value: unknown): ModelFact[] {
  const list = Array.isArray(value) ? value : (value as { facts?: unknown } | null)?.facts;
  if (!Array.isArray(list)) return [];
  const out: ModelFact[] = [];
  for (const f of list.slice(0, MAX_FACTS)) {
    const r = (f ?? {}) as Record<string, unknown>;
    if (!isStr(r.prompt) || !isStr(r.subject) || !isStr(r.target) || !onePlaceholder(r.prompt)) continue;
    out.push({
      prompt: r.prompt,
      subject: r.subject,
      target: r.target,
      relation: isStr(r.relation_id) ? r.relation_id : null,
      trained: strings(r.trained),
      heldout: strings(r.heldout),
    });
  }
  return out;
}

const cache = new Map<string, Promise<ModelExtras>>();

async function fetchJson(url: string): Promise<unknown> {
  try {
    const res = await fetch(url);
    if (!res.ok || !(res.headers.get('content-type') ?? '').includes('json')) return null;
    return await res.json();
  } catch {
    return null; // optional files: a missing or broken one means "none"
  }
}

/** The extras of a served model folder (the bundled models); other locations have none. */
export function modelExtras(location: ModelLocation | null): Promise<ModelExtras> {
  if (!location || location.kind !== 'url') return Promise.resolve(NO_EXTRAS);
  const base = location.url.endsWith('/') ? location.url : `${location.url}/`;
  let p = cache.get(base);
  if (!p) {
    p = Promise.all([fetchJson(`${base}hard_cases.json`), fetchJson(`${base}facts.json`)]).then(([hard, facts]) => ({
      hardCases: readHardCases(hard),
      facts: parseModelFacts(facts),
    }));
    cache.set(base, p);
  }
  return p;
}
