// Computed curve points kept in local storage, keyed by the experiment, so a
// reload shows them at once while the lab replays the sequence to verify
// them. Local storage is untrusted (another tab, an older version): an entry
// is used only when its experiment is exactly the one being opened and its
// points have the expected shape. The few most recent experiments are kept.
import type { Experiment } from '../models/experiment.ts';
import type { EditStep, EvalPoint } from '../models/lab-types.ts';

const PREFIX = 'butterfly-lab:points:';
const INDEX_KEY = 'butterfly-lab:points-index';
/** Experiments kept; the oldest goes first. */
export const MAX_SAVED_EXPERIMENTS = 6;
/** A bigger entry is not saved (local storage holds a few MB per site). */
const MAX_ENTRY_CHARS = 1024 * 1024;

export interface SavedPoints {
  baseline: EvalPoint;
  steps: EditStep[];
}

/** FNV-1a of the experiment's JSON: the key (the entry repeats the JSON, so collisions cannot mislead). */
function keyOf(json: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < json.length; i++) h = Math.imul(h ^ json.charCodeAt(i), 0x01000193) >>> 0;
  return PREFIX + h.toString(16).padStart(8, '0');
}

/** What the chart, the table and the details need: the heavy per-text reports and debug dumps stay out. */
function slimPoint(p: EvalPoint): EvalPoint {
  const { perplexity: _p, pending: _q, ...rest } = p;
  return rest;
}

function slimStep(s: EditStep): EditStep {
  const { dump: _d, ...rest } = s;
  return { ...rest, metrics: slimPoint(s.metrics) };
}

export function savePoints(exp: Experiment, baseline: EvalPoint, steps: readonly EditStep[]): void {
  try {
    const json = JSON.stringify(exp);
    const key = keyOf(json);
    const text = JSON.stringify({ experiment: json, baseline: slimPoint(baseline), steps: steps.map(slimStep) }, keepNonFinite);
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
    const json = JSON.stringify(exp);
    const text = localStorage.getItem(keyOf(json));
    if (!text || text.length > MAX_ENTRY_CHARS) return null;
    const entry = JSON.parse(text, reviveNonFinite) as { experiment?: unknown; baseline?: unknown; steps?: unknown };
    if (entry.experiment !== json || !isPoint(entry.baseline) || !Array.isArray(entry.steps) || entry.steps.length !== exp.edits.length) return null;
    const steps = entry.steps as EditStep[];
    const matches = steps.every((s, i) => s && typeof s === 'object' && isPoint(s.metrics) && JSON.stringify(s.request) === JSON.stringify(exp.edits[i]));
    return matches ? { baseline: entry.baseline, steps: steps.map((s, i) => ({ ...s, edit: i })) } : null;
  } catch {
    return null;
  }
}

function isPoint(v: unknown): v is EvalPoint {
  if (!v || typeof v !== 'object') return false;
  const p = v as Record<string, unknown>;
  const numeric = (x: unknown) => typeof x === 'number';
  return numeric(p.me_ppl) && numeric(p.ppl_corpus) && typeof p.collapsed === 'boolean' && !!p.tasks && typeof p.tasks === 'object';
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
