// What a model's folder may add to the lesson: hard_cases.json (mined
// collapse-prone edits, from `lab mine`) and facts.json (the facts the demo
// model was trained on, with their phrasings). Both are optional and
// untrusted: anything malformed is skipped and the lesson falls back to
// LESSON_CONTENT (lesson/lesson-plan.ts decides). Parsing is pure; fetching
// is one call per folder.
import type { EditRequest, StatsSpec } from '../../models/experiment.ts';
import type { ModelLocation } from '../../models/lab-types.ts';

export interface HardCase extends EditRequest {
  caseId: number | null;
  /** ME-PPL after one ROME edit ÷ before, as mined (ratio_rome); null when absent. */
  ratio: number | null;
  /** The mining saw ROME collapse on it (collapsed_rome). */
  collapsed: boolean | null;
  /** ME-PPL after one C-ROME edit ÷ before, as mined (ratio_c_rome). */
  ratioRobust: number | null;
}

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
  hardCases: HardCase[];
  facts: ModelFact[];
  /** The key statistics the mining used (when the browser can compute them too), so mined collapses reproduce. */
  stats: StatsSpec | null;
}

export const NO_EXTRAS: ModelExtras = { hardCases: [], facts: [], stats: null };

const MAX_CASES = 200;
const MAX_FACTS = 5000;
const isStr = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && v.length < 500;
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const onePlaceholder = (prompt: string) => prompt.split('{}').length === 2;
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter(isStr).slice(0, 50) : []);

/** hard_cases.json → its cases in file order (the miner's ranking); [] when unusable. */
export function parseHardCases(value: unknown): HardCase[] {
  const cases = (value as { cases?: unknown } | null)?.cases;
  if (!Array.isArray(cases)) return [];
  const out: HardCase[] = [];
  for (const c of cases.slice(0, MAX_CASES)) {
    const r = (c ?? {}) as Record<string, unknown>;
    if (!isStr(r.prompt) || !isStr(r.subject) || !isStr(r.target_new) || !onePlaceholder(r.prompt)) continue;
    out.push({
      prompt: r.prompt,
      subject: r.subject,
      target_new: r.target_new,
      ...(isStr(r.target_true) ? { target_true: r.target_true } : {}),
      caseId: typeof r.case_id === 'number' && Number.isInteger(r.case_id) ? r.case_id : null,
      ratio: num(r.ratio_rome),
      collapsed: typeof r.collapsed_rome === 'boolean' ? r.collapsed_rome : null,
      ratioRobust: num(r.ratio_c_rome),
    });
  }
  return out;
}

/**
 * The statistics hard_cases.json was mined with, when they are a text corpus
 * the browser can read ({texts, max_tokens}); a .npz path or anything odd → null.
 */
export function parseMinedStats(value: unknown): StatsSpec | null {
  const s = (value as { stats?: unknown } | null)?.stats as Record<string, unknown> | undefined;
  if (!s || typeof s !== 'object' || !isStr(s.texts) || !/^[\w-]{1,40}$/.test(s.texts)) return null;
  const keys = Object.keys(s).filter((k) => k !== 'texts' && k !== 'max_tokens');
  if (keys.length) return null;
  if (s.max_tokens === undefined) return { texts: s.texts };
  const n = s.max_tokens;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1000 || n > 200_000) return null;
  return { texts: s.texts, max_tokens: n };
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
      hardCases: parseHardCases(hard),
      facts: parseModelFacts(facts),
      stats: parseMinedStats(hard),
    }));
    cache.set(base, p);
  }
  return p;
}
