// Computed curve points kept in local storage, keyed by the experiment, so a
// reload shows them at once while the lab replays the sequence to verify
// them. Local storage is untrusted (another tab, an older version, anyone
// with devtools): an entry is used only when its experiment is exactly the
// one being opened and every point is rebuilt from checked fields, so a
// tampered or oversized entry is ignored, never shown or crashed on. The few
// most recent experiments are kept.
import type { Experiment } from '../models/experiment.ts';
import type { EditStep, EvalPoint } from '../models/lab-types.ts';
import { isForeignTaskId } from './curve.ts';

const PREFIX = 'butterfly-lab:points:';
const INDEX_KEY = 'butterfly-lab:points-index';
/** Experiments kept; the oldest goes first. */
export const MAX_SAVED_EXPERIMENTS = 6;
/** A bigger entry is not saved (local storage holds a few MB per site). */
const MAX_ENTRY_CHARS = 1024 * 1024;

/** What a saved step keeps: enough for the chart, the table and the check against the replay. */
export type SavedStep = Pick<EditStep, 'edit' | 'request' | 'method' | 'metrics'>;

export interface SavedPoints {
  baseline: EvalPoint;
  steps: SavedStep[];
}

/**
 * The experiment as JSON with every object's keys sorted: the lab writes its
 * experiment in one key order and the link parser rebuilds it in another, and
 * a reload must find what was saved before it.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v,
  );
}

/** FNV-1a of the experiment's JSON: the key (the entry repeats the JSON, so collisions cannot mislead). */
function keyOf(json: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < json.length; i++) h = Math.imul(h ^ json.charCodeAt(i), 0x01000193) >>> 0;
  return PREFIX + h.toString(16).padStart(8, '0');
}

/** The fields of a point the chart, the table and the verification read; the heavy per-text reports, task details and dumps stay out. */
function slimPoint(p: EvalPoint): EvalPoint {
  const out: EvalPoint = { me_ppl: p.me_ppl, ppl_corpus: p.ppl_corpus, tasks: p.tasks, collapsed: p.collapsed };
  if (p.collapseReason !== undefined) out.collapseReason = p.collapseReason;
  return out;
}

/**
 * Saved as { experiment: its JSON, points: [baseline, after edit 1, ...] }:
 * the steps' requests and method are the experiment's own, so only the
 * points are stored (a 1 000-edit experiment then fits well under the cap).
 */
export function savePoints(exp: Experiment, baseline: EvalPoint, steps: readonly EditStep[]): void {
  if (steps.length !== exp.edits.length) return;
  try {
    const json = canonicalJson(exp);
    const key = keyOf(json);
    const text = JSON.stringify({ experiment: json, points: [baseline, ...steps.map((s) => s.metrics)].map(slimPoint) }, keepNonFinite);
    if (text.length > MAX_ENTRY_CHARS) return;
    localStorage.setItem(key, text);
    const index = readIndex().filter((k) => k !== key);
    index.push(key);
    for (const old of index.splice(0, Math.max(0, index.length - MAX_SAVED_EXPERIMENTS))) localStorage.removeItem(old);
    localStorage.setItem(INDEX_KEY, JSON.stringify(index));
  } catch {
    // Storage full or forbidden: the replay still recomputes everything.
  }
}

export function loadPoints(exp: Experiment): SavedPoints | null {
  try {
    const json = canonicalJson(exp);
    const text = localStorage.getItem(keyOf(json));
    if (!text || text.length > MAX_ENTRY_CHARS) return null;
    const entry = JSON.parse(text, reviveNonFinite) as { experiment?: unknown; points?: unknown } | null;
    if (!entry || typeof entry !== 'object' || entry.experiment !== json) return null;
    if (!Array.isArray(entry.points) || entry.points.length !== exp.edits.length + 1) return null;
    const points: EvalPoint[] = [];
    for (const v of entry.points as unknown[]) {
      const p = pointFrom(v);
      if (!p) return null;
      points.push(p);
    }
    // Requests and method from the experiment itself (already parsed and checked), not from storage.
    const [baseline, ...after] = points;
    return { baseline: baseline!, steps: after.map((metrics, i) => ({ edit: i, request: exp.edits[i]!, method: exp.method, metrics })) };
  } catch {
    return null;
  }
}

/** A saved point, or null: numbers where numbers belong (∞ and NaN allowed), the lab's own tasks, only the fields the curve reads. */
function pointFrom(v: unknown): EvalPoint | null {
  if (!v || typeof v !== 'object') return null;
  const p = v as Record<string, unknown>;
  if (typeof p.me_ppl !== 'number' || typeof p.ppl_corpus !== 'number' || typeof p.collapsed !== 'boolean') return null;
  if (!p.tasks || typeof p.tasks !== 'object' || Array.isArray(p.tasks)) return null;
  const tasks = Object.entries(p.tasks as Record<string, unknown>);
  if (tasks.some(([t, a]) => !isForeignTaskId(t) || typeof a !== 'number')) return null;
  const point: EvalPoint = { me_ppl: p.me_ppl, ppl_corpus: p.ppl_corpus, collapsed: p.collapsed, tasks: Object.fromEntries(tasks) as Record<string, number> };
  if (typeof p.collapseReason === 'string') point.collapseReason = p.collapseReason.slice(0, 500);
  return point;
}

/** JSON has no ∞ or NaN (a collapsed point's ME-PPL may be either): written as strings, read back as numbers. */
function keepNonFinite(_key: string, v: unknown): unknown {
  return typeof v === 'number' && !Number.isFinite(v) ? String(v) : v;
}

function reviveNonFinite(_key: string, v: unknown): unknown {
  return v === 'Infinity' || v === '-Infinity' || v === 'NaN' ? Number(v) : v;
}

function readIndex(): string[] {
  try {
    const v = JSON.parse(localStorage.getItem(INDEX_KEY) ?? '[]') as unknown;
    return Array.isArray(v) ? v.filter((k): k is string => typeof k === 'string' && k.startsWith(PREFIX)) : [];
  } catch {
    return [];
  }
}
