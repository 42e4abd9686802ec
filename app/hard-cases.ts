// The collapse-prone facts `lab mine` found for a model (its hard_cases.json),
// read defensively: the file sits beside the weights and may be stale or hand-edited.
// The fact browser joins them to CounterFact by case id; the lesson and its
// presets (lesson/lesson-plan.ts) apply their edits as mined.
import type { EditRequest, StatsSpec } from '../models/experiment.ts';

export interface HardCase {
  caseId: number;
  /** ME-PPL after one ROME edit over the model's baseline. */
  ratioRome: number;
  /** The same for C-ROME, on the same fact. */
  ratioCRome: number;
  subjectAtStart: boolean;
  /** The edit as mined (prompt, subject, targets), when the entry carries a usable one. */
  request: EditRequest | null;
}

export interface HardCases {
  /** The collapse factor a ratio is judged against (the mining run's). */
  collapseFactor: number;
  /** In the file's order (the miner's ranking, worst first). */
  byCase: Map<number, HardCase>;
  /** The key statistics the mining used, when the page can use them too ({texts, max_tokens}, or a .npz shipped under public/); else null. */
  stats: StatsSpec | null;
  /** The layer the mining edited (cli/mine.ts writes it), when given. */
  layer: number | null;
}

const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
// JSON has no Infinity: a non-finite ratio (the update itself blew up) is written as null.
const ratio = (v: unknown): number => (finite(v) ? v : v === null ? Infinity : NaN);
const text = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && v.length < 500;

function minedRequest(r: Record<string, unknown>): EditRequest | null {
  if (!text(r.prompt) || !text(r.subject) || !text(r.target_new) || r.prompt.split('{}').length !== 2) return null;
  return { prompt: r.prompt, subject: r.subject, target_new: r.target_new, ...(text(r.target_true) ? { target_true: r.target_true } : {}) };
}

/** The mining's statistics when the page can use them: a text corpus, or a .npz shipped with the app (the only ones the browser opens); anything else → null. */
export function minedStats(value: unknown): StatsSpec | null {
  const s = value as Record<string, unknown> | null;
  if (s && typeof s === 'object' && Object.keys(s).length === 1 && text(s.npz)) {
    return /^public\/[\w-]+(\/[\w.-]+)*\.npz$/.test(s.npz) && !s.npz.includes('..') ? { npz: s.npz } : null;
  }
  if (!s || typeof s !== 'object' || !text(s.texts) || !/^[\w-]{1,40}$/.test(s.texts)) return null;
  if (Object.keys(s).some((k) => k !== 'texts' && k !== 'max_tokens')) return null;
  if (s.max_tokens === undefined) return { texts: s.texts };
  const n = s.max_tokens;
  return typeof n === 'number' && Number.isInteger(n) && n >= 1000 && n <= 200_000 ? { texts: s.texts, max_tokens: n } : null;
}

export function parseHardCases(value: unknown): HardCases {
  const v = value as { version?: unknown; collapse_factor?: unknown; cases?: unknown; stats?: unknown; layer?: unknown } | null;
  if (!v || typeof v !== 'object' || v.version !== 1 || !Array.isArray(v.cases)) throw new Error('hard_cases.json: expected { "version": 1, "cases": [...] }');
  const byCase = new Map<number, HardCase>();
  for (const [i, c] of (v.cases as unknown[]).entries()) {
    const r = c as Record<string, unknown> | null;
    if (!r || !Number.isInteger(r.case_id)) throw new Error(`hard_cases.json: case ${i} has no integer case_id`);
    const ratioRome = ratio(r.ratio_rome);
    const ratioCRome = ratio(r.ratio_c_rome);
    if (Number.isNaN(ratioRome) || Number.isNaN(ratioCRome)) throw new Error(`hard_cases.json: case ${i} has no ratio_rome / ratio_c_rome`);
    byCase.set(r.case_id as number, { caseId: r.case_id as number, ratioRome, ratioCRome, subjectAtStart: r.subject_at_start === true, request: minedRequest(r) });
  }
  return { collapseFactor: finite(v.collapse_factor) && v.collapse_factor > 1 ? v.collapse_factor : 10, byCase, stats: minedStats(v.stats), layer: Number.isInteger(v.layer) && (v.layer as number) >= 0 ? (v.layer as number) : null };
}

/** "×12.3" / "×∞" for a badge. */
export function formatRatio(r: number): string {
  return r === Infinity ? '×∞' : `×${r >= 100 ? r.toFixed(0) : r.toPrecision(3)}`;
}
