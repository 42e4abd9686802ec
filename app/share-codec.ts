// The Experiment in the URL hash: "#exp=" + base64url(deflate-raw(JSON)).
// Curves ride in the same JSON, beside the experiment's fields (which
// parseExperiment keeps apart, dropping fields it does not know): the frozen
// comparison curves as "comparisons" (checked here, strictly: a bad list
// refuses the link), the imported results as "imported" (app/shared-curves.ts).
// One payload, so one set of bounds covers all of it.
// The hash is anyone's text, so decoding bounds every size before doing any
// work (hash length, then decompressed bytes, counted while inflating so a
// deflate bomb stops at the limit), then parses with parseExperiment, which
// checks every field. Any failure is a ShareUrlError with a message for people.
import { deflateSync, Inflate, strToU8 } from 'fflate';
import { EXPERIMENT_LIMITS, ExperimentError, METHOD_NAMES, parseExperiment, type Experiment, type MethodName } from '../models/experiment.ts';
import { settingError, settingRow } from '../models/settings-table.ts';
import { isForeignTaskId, type CurvePoint, type CurveSeries } from './curve.ts';

export const HASH_KEY = 'exp';
/** The payload's field for frozen comparison curves. */
export const COMPARISONS_FIELD = 'comparisons';
/** Frozen comparison curves a link may carry (the lab keeps at most four). */
export const MAX_SHARED_COMPARISONS = 4;
/** Longest hash accepted (characters after '#'). */
export const MAX_HASH_LENGTH = 64 * 1024;
/** Largest decompressed experiment (bytes of JSON). */
export const MAX_JSON_BYTES = 1024 * 1024;

export class ShareUrlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ShareUrlError';
  }
}

/** `extra`: more top-level fields beside the experiment's (comparisonsField, app/shared-curves.ts's sharedCurvesField). */
export function encodeExperiment(exp: Experiment, extra: Record<string, unknown> = {}): string {
  return `${HASH_KEY}=${toBase64Url(deflateSync(strToU8(JSON.stringify({ ...extra, ...exp })), { level: 9 }))}`;
}

/** The payload field for frozen comparison curves (none: no field). */
export function comparisonsField(comparisons: readonly CurveSeries[]): Record<string, unknown> {
  return comparisons.length ? { [COMPARISONS_FIELD]: comparisons.map(sharedCurve) } : {};
}

/** A frozen curve as the link carries it: numbers only (labels come from the experiment's edits); ∞ and NaN as strings. */
function sharedCurve(c: CurveSeries): unknown {
  const n = (v: number) => (Number.isFinite(v) ? v : String(v));
  return {
    label: c.label,
    method: c.method,
    collapseFactor: c.collapseFactor,
    points: c.points.map((p) => ({ me_ppl: n(p.me_ppl), ppl_corpus: n(p.ppl_corpus), collapsed: p.collapsed, tasks: Object.fromEntries(Object.entries(p.tasks).map(([k, v]) => [k, n(v)])) })),
  };
}

/** The hash (with or without '#') holds an experiment at all? Other hashes are left alone. */
export function hashHasExperiment(hash: string): boolean {
  return hash.replace(/^#/, '').startsWith(`${HASH_KEY}=`);
}

export function decodeExperiment(hash: string): Experiment {
  return decodeSharePayload(hash).experiment;
}

/** The experiment, its comparison curves (checked) and the link's JSON as sent (for other fields, checked by their readers). */
export function decodeShare(hash: string): { experiment: Experiment; comparisons: CurveSeries[]; raw: Record<string, unknown> } {
  const { experiment, raw } = decodeSharePayload(hash);
  const value = raw[COMPARISONS_FIELD];
  return { experiment, raw, comparisons: value === undefined ? [] : parseComparisons(value, experiment) };
}

/** The experiment, and the link's JSON as sent (for fields beside the experiment, checked by their readers). */
export function decodeSharePayload(hash: string): { experiment: Experiment; raw: Record<string, unknown> } {
  const h = hash.replace(/^#/, '');
  if (h.length > MAX_HASH_LENGTH) throw new ShareUrlError(`The shared link is too long (${h.length.toLocaleString('en-US')} characters; at most ${MAX_HASH_LENGTH.toLocaleString('en-US')}).`);
  if (!hashHasExperiment(h)) throw new ShareUrlError('The link does not hold an experiment.');
  const payload = h.slice(HASH_KEY.length + 1);
  if (!payload) throw new ShareUrlError('The shared link is empty: it holds no experiment.');
  const value = unpackJson(payload);
  try {
    return { experiment: parseExperiment(value), raw: value as Record<string, unknown> };
  } catch (e) {
    if (e instanceof ExperimentError) throw new ShareUrlError(`The shared experiment is invalid: ${e.message.replace(/^experiment: /, '')}.`);
    throw e;
  }
}

/** base64url → inflate (bounded) → UTF-8 → JSON, every failure a ShareUrlError. */
function unpackJson(payload: string): unknown {
  const bytes = fromBase64Url(payload);
  const json = inflateBounded(bytes, MAX_JSON_BYTES);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(json);
  } catch {
    throw new ShareUrlError('The shared link is corrupt: its experiment is not valid text.');
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new ShareUrlError('The shared link is corrupt: its experiment is not valid JSON.');
  }
}

function parseComparisons(value: unknown, exp: Experiment): CurveSeries[] {
  const bad = (why: string): never => {
    throw new ShareUrlError(`The shared comparison curves are invalid: ${why}.`);
  };
  if (!Array.isArray(value)) return bad('not a list');
  if (value.length > MAX_SHARED_COMPARISONS) bad(`more than ${MAX_SHARED_COMPARISONS} curves`);
  const num = (v: unknown, where: string): number => {
    if (typeof v === 'number' && Number.isFinite(v)) return v;
    if (v === 'Infinity' || v === '-Infinity' || v === 'NaN') return Number(v);
    return bad(`${where} is not a number`);
  };
  const labels = ['unedited', ...exp.edits.map((e) => `${e.subject} → ${e.target_new}`)];
  return value.map((c: unknown, i): CurveSeries => {
    if (!c || typeof c !== 'object') return bad(`curve ${i + 1} is not an object`);
    const o = c as Record<string, unknown>;
    if (typeof o.label !== 'string' || o.label.length > 100) bad(`curve ${i + 1} has no short label`);
    if (!METHOD_NAMES.includes(o.method as MethodName)) bad(`curve ${i + 1} names an unknown method`);
    const collapseFactor = num(o.collapseFactor, `curve ${i + 1}'s collapse factor`);
    const factorError = settingError(settingRow('eval.collapse_factor'), collapseFactor);
    if (factorError) bad(`curve ${i + 1}'s collapse factor ${factorError}`);
    if (!Array.isArray(o.points) || o.points.length > EXPERIMENT_LIMITS.edits + 1) return bad(`curve ${i + 1} has no list of at most ${EXPERIMENT_LIMITS.edits + 1} points`);
    const points = o.points.map((p: unknown, k): CurvePoint => {
      if (!p || typeof p !== 'object') return bad(`point ${k} of curve ${i + 1} is not an object`);
      const q = p as Record<string, unknown>;
      if (!q.tasks || typeof q.tasks !== 'object' || Array.isArray(q.tasks)) return bad(`point ${k} of curve ${i + 1} has no tasks`);
      const entries = Object.entries(q.tasks as Record<string, unknown>);
      if (entries.some(([t]) => !isForeignTaskId(t))) bad(`point ${k} of curve ${i + 1} has unknown tasks`);
      return {
        edit: k,
        me_ppl: num(q.me_ppl, `point ${k}'s ME-PPL`),
        ppl_corpus: num(q.ppl_corpus, `point ${k}'s corpus perplexity`),
        collapsed: q.collapsed === true,
        tasks: Object.fromEntries(entries.map(([t, v]) => [t, num(v, `point ${k}'s ${t}`)])),
        label: labels[k] ?? `edit ${k}`,
      };
    });
    return { id: `cmp-link-${i}`, label: o.label as string, method: o.method as MethodName, frozen: true, collapseFactor, points };
  });
}

function toBase64Url(bytes: Uint8Array): string {
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
}

function fromBase64Url(s: string): Uint8Array {
  if (!/^[A-Za-z0-9_-]+$/.test(s) || s.length % 4 === 1) throw new ShareUrlError('The shared link is corrupt: it is not in the expected encoding.');
  const b64 = s.replaceAll('-', '+').replaceAll('_', '/') + '='.repeat((4 - (s.length % 4)) % 4);
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** Inflate raw deflate, refusing output past `limit` bytes and truncated or trailing-garbage input. */
function inflateBounded(bytes: Uint8Array, limit: number): Uint8Array {
  const chunks: Uint8Array[] = [];
  let total = 0;
  let done = false;
  const inflater = new Inflate((chunk, final) => {
    total += chunk.length;
    if (total > limit) throw new ShareUrlError(`The shared experiment is too large (more than ${(limit / 1024).toFixed(0)} KiB once unpacked).`);
    chunks.push(chunk);
    if (final) done = true;
  });
  try {
    // Pushed in slices so the limit is checked as output grows, not after.
    const step = 1024;
    for (let i = 0; i < bytes.length; i += step) inflater.push(bytes.subarray(i, i + step), i + step >= bytes.length);
  } catch (e) {
    if (e instanceof ShareUrlError) throw e;
    throw new ShareUrlError('The shared link is corrupt: its data could not be unpacked.');
  }
  if (!done) throw new ShareUrlError('The shared link is cut short: its data ends early.');
  const out = new Uint8Array(total);
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}
