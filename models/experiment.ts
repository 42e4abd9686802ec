// The Experiment (shared/spec/experiment.md, version 1): one schema for the
// share URL, the CLI job file and sweeps. Field names are a contract: add
// fields freely, never rename. Input may be hostile (a share URL is anyone's
// text), so parsing checks every type and bounds every size, and returns a
// clean copy holding only known fields.

import { METHOD_NAMES, type MethodName } from './method-names.ts';
import { parseSettingValue, SETTINGS, SettingError, settingRow } from './settings-table.ts';

export { METHOD_NAMES, type MethodName };

export interface MethodSpec {
  name: MethodName;
  layer?: number;
  v_num_grad_steps?: number;
  v_lr?: number;
  v_weight_decay?: number;
  clamp_norm_factor?: number;
  kl_factor?: number;
  mom2_adjustment?: boolean;
  context_templates?: string[];
  template_seed?: number;
  // MEMIT, AlphaEdit, FT-L, MEND (methods.md; settings-table.ts has each one's range and defaults).
  layers?: number[];
  mom2_update_weight?: number;
  nullspace_threshold?: number;
  L2?: number;
  batch_size?: number;
  lr?: number;
  num_steps?: number;
  norm_constraint?: number;
  editor?: string;
  edit_lr?: number;
}

export type StatsSpec = { ids: number[][] } | { texts: string; max_tokens?: number } | { npz: string };

export interface EditRequest {
  prompt: string;
  subject: string;
  target_new: string;
  target_true?: string;
}

export interface EvalSpec {
  texts?: string[] | string;
  tasks?: Record<string, number>;
  collapse_factor?: number;
  /** Seed of each task's fixed subsample (default 0). */
  seed?: number;
}

export interface Experiment {
  version: 1;
  model: string;
  method: MethodSpec;
  stats?: StatsSpec;
  mode: 'sequential' | 'single';
  edits: EditRequest[];
  eval?: EvalSpec;
}

/** An Experiment's settings: everything but its model and its edits (what Lab.configure takes). */
export type ExperimentSettings = Pick<Experiment, 'method' | 'mode' | 'stats' | 'eval'>;

export class ExperimentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ExperimentError';
  }
}

export const EXPERIMENT_LIMITS = {
  edits: 1000,
  stringLength: 2000,
  templates: 64,
  evalTexts: 10_000,
  statsSequences: 100_000,
} as const;

const fail = (msg: string): never => {
  throw new ExperimentError(`experiment: ${msg}`);
};

function str(v: unknown, where: string, max: number = EXPERIMENT_LIMITS.stringLength): string {
  if (typeof v !== 'string') fail(`${where} must be a string`);
  if ((v as string).length > max) fail(`${where} is longer than ${max} characters`);
  return v as string;
}

function num(v: unknown, where: string, lo: number, hi: number, integer = false): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) fail(`${where} must be a finite number`);
  if ((v as number) < lo || (v as number) > hi) fail(`${where} must be between ${lo} and ${hi}`);
  if (integer && !Number.isInteger(v)) fail(`${where} must be an integer`);
  return v as number;
}

function obj(v: unknown, where: string): Record<string, unknown> {
  if (!v || typeof v !== 'object' || Array.isArray(v)) fail(`${where} must be an object`);
  return v as Record<string, unknown>;
}

function arr(v: unknown, where: string, max: number): unknown[] {
  if (!Array.isArray(v)) fail(`${where} must be an array`);
  if ((v as unknown[]).length > max) fail(`${where} has more than ${max} entries`);
  return v as unknown[];
}

function oneBrace(s: string, where: string): string {
  if (s.split('{}').length !== 2) fail(`${where} must contain exactly one "{}"`);
  return s;
}

/** Every table row under `prefix` present in `src`, validated, into `out` at the same path. */
function tableFields<T extends object>(out: T, prefix: 'method' | 'stats' | 'eval', src: Record<string, unknown>): T {
  for (const row of SETTINGS) {
    if (!row.key.startsWith(prefix + '.')) continue;
    const path = row.key.slice(prefix.length + 1).split('.');
    let v: unknown = src;
    for (const k of path) v = v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>)[k] : undefined;
    if (v === undefined) continue;
    if (prefix === 'eval' && path[0] === 'texts' && typeof v !== 'string') continue; // literal texts: parsed by hand
    let value;
    try {
      value = parseSettingValue(row, v);
    } catch (e) {
      if (e instanceof SettingError) fail(e.message);
      throw e;
    }
    let o = out as Record<string, unknown>;
    for (const k of path.slice(0, -1)) o = (o[k] ??= {}) as Record<string, unknown>;
    o[path[path.length - 1]!] = value;
  }
  return out;
}

function parseMethod(v: unknown): MethodSpec {
  const m = obj(v, 'method');
  if (m.name === undefined) fail('method.name is missing');
  const out = tableFields({ name: 'rome' } as MethodSpec, 'method', m);
  if (m.context_templates !== undefined) {
    const t = arr(m.context_templates, 'method.context_templates', EXPERIMENT_LIMITS.templates).map((s, i) =>
      oneBrace(str(s, `method.context_templates[${i}]`), `method.context_templates[${i}]`),
    );
    if (t.length === 0 || t[0] !== '{}') fail('method.context_templates must start with "{}"');
    out.context_templates = t;
  }
  return out;
}

function parseStats(v: unknown): StatsSpec {
  const s = obj(v, 'stats');
  if ('ids' in s) {
    const ids = arr(s.ids, 'stats.ids', EXPERIMENT_LIMITS.statsSequences).map((seq, i) =>
      arr(seq, `stats.ids[${i}]`, 4096).map((t, j) => num(t, `stats.ids[${i}][${j}]`, 0, 2 ** 20, true)),
    );
    return { ids };
  }
  if ('texts' in s) return tableFields({} as StatsSpec, 'stats', s);
  if ('npz' in s) return { npz: str(s.npz, 'stats.npz', 2000) };
  return fail('stats must hold "ids", "texts" or "npz"');
}

function parseEdit(v: unknown, i: number): EditRequest {
  const e = obj(v, `edits[${i}]`);
  const out: EditRequest = {
    prompt: oneBrace(str(e.prompt, `edits[${i}].prompt`), `edits[${i}].prompt`),
    subject: str(e.subject, `edits[${i}].subject`),
    target_new: str(e.target_new, `edits[${i}].target_new`),
  };
  if (!out.subject.trim()) fail(`edits[${i}].subject is empty`);
  if (!out.target_new.trim()) fail(`edits[${i}].target_new is empty`);
  if (e.target_true !== undefined) out.target_true = str(e.target_true, `edits[${i}].target_true`);
  return out;
}

function parseEval(v: unknown): EvalSpec {
  const e = obj(v, 'eval');
  if (e.tasks !== undefined) {
    for (const k of Object.keys(obj(e.tasks, 'eval.tasks')).slice(0, 32)) {
      if (!/^[a-z0-9_-]{1,40}$/.test(k)) fail(`eval.tasks has an invalid task id "${k.slice(0, 40)}"`);
      if (!SETTINGS.some((r) => r.key === `eval.tasks.${k}`)) fail(`eval.tasks has an unknown task "${k}"`);
    }
  }
  const out = tableFields({} as EvalSpec, 'eval', e);
  // "No tasks" is a choice a link must keep: without the empty object the receiver's defaults (LAMBADA) would fill in.
  if (e.tasks !== undefined && !out.tasks) out.tasks = {};
  if (Array.isArray(e.texts)) out.texts = arr(e.texts, 'eval.texts', EXPERIMENT_LIMITS.evalTexts).map((t, i) => str(t, `eval.texts[${i}]`, 20_000));
  else if (e.texts !== undefined && typeof e.texts !== 'string') fail('eval.texts must be a dataset id or a list of texts');
  return out;
}

/** Validate an untrusted value and return a clean Experiment (unknown fields dropped). */
export function parseExperiment(value: unknown): Experiment {
  const x = obj(value, 'the experiment');
  if (x.version !== 1) fail(`version must be 1 (got ${JSON.stringify(x.version)?.slice(0, 20)})`);
  const model = str(x.model, 'model', 500);
  if (!model.trim()) fail('model is empty');
  const mode = x.mode ?? 'sequential';
  if (mode !== 'sequential' && mode !== 'single') return fail(`mode must be one of ${settingRow('mode').choices!.join(', ')}`);
  const out: Experiment = {
    version: 1,
    model,
    method: parseMethod(x.method),
    mode,
    edits: arr(x.edits ?? [], 'edits', EXPERIMENT_LIMITS.edits).map(parseEdit),
  };
  if (x.stats !== undefined) out.stats = parseStats(x.stats);
  if (x.eval !== undefined) out.eval = parseEval(x.eval);
  return out;
}

export function parseExperimentJson(text: string, name = 'experiment'): Experiment {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new ExperimentError(`${name} is not valid JSON: ${e instanceof Error ? e.message : e}`);
  }
  return parseExperiment(value);
}
