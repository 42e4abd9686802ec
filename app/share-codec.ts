// The Experiment in the URL hash: "#exp=" + base64url(deflate-raw(JSON)),
// optionally followed by "&cmp=" and the frozen comparison curves packed the
// same way (plain numbers: they are what the user saw, not a contract).
// The hash is anyone's text, so decoding bounds every size before doing any
// work (hash length, then decompressed bytes, counted while inflating so a
// deflate bomb stops at the limit), then parses with parseExperiment, which
// checks every field. Any failure is a ShareUrlError with a message for people.
import { deflateSync, Inflate, strToU8 } from 'fflate';
import { EXPERIMENT_LIMITS, ExperimentError, METHOD_NAMES, parseExperiment, type Experiment, type MethodName } from '../models/experiment.ts';
import { settingError, settingRow } from '../models/settings-table.ts';
import { isForeignTaskId, type CurvePoint, type CurveSeries } from './curve.ts';

export const HASH_KEY = 'exp';
export const COMPARISONS_KEY = 'cmp';
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

export function encodeExperiment(exp: Experiment, comparisons: readonly CurveSeries[] = []): string {
  const main = `${HASH_KEY}=${pack(exp)}`;
  if (!comparisons.length) return main;
  return `${main}&${COMPARISONS_KEY}=${pack(comparisons.map(sharedCurve))}`;
}

function pack(value: unknown): string {
  return toBase64Url(deflateSync(strToU8(JSON.stringify(value)), { level: 9 }));
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

/** The experiment and the comparison curves of a share hash. */
export function decodeShare(hash: string): { experiment: Experiment; comparisons: CurveSeries[] } {
  const experiment = decodeExperiment(hash);
  const h = hash.replace(/^#/, '');
  const amp = h.indexOf('&');
  if (amp < 0) return { experiment, comparisons: [] };
  const rest = h.slice(amp + 1);
  if (!rest.startsWith(`${COMPARISONS_KEY}=`)) throw new ShareUrlError('The shared link is corrupt: it holds something after the experiment that the lab does not know.');
  const value = unpackJson(rest.slice(COMPARISONS_KEY.length + 1));
  return { experiment, comparisons: parseComparisons(value, experiment) };
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

/** The hash (with or without '#') holds an experiment at all? Other hashes are left alone. */
export function hashHasExperiment(hash: string): boolean {
  return hash.replace(/^#/, '').startsWith(`${HASH_KEY}=`);
}

export function decodeExperiment(hash: string): Experiment {
  const h = hash.replace(/^#/, '');
  if (h.length > MAX_HASH_LENGTH) throw new ShareUrlError(`The shared link is too long (${h.length.toLocaleString('en-US')} characters; at most ${MAX_HASH_LENGTH.toLocaleString('en-US')}).`);
  if (!hashHasExperiment(h)) throw new ShareUrlError('The link does not hold an experiment.');
  const amp = h.indexOf('&');
  const payload = h.slice(HASH_KEY.length + 1, amp < 0 ? undefined : amp);
  if (!payload) throw new ShareUrlError('The shared link is empty: it holds no experiment.');
  const value = unpackJson(payload);
  try {
    return parseExperiment(value);
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
