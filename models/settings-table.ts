// Every setting an Experiment carries, once: its place in the Experiment
// (shared/spec/experiment.md names), type, default per model size, range,
// unit, label, help and parser. The settings form (app/settings.ts), the
// Experiment parser (models/experiment.ts: share URL and CLI job files), the
// CLI's override flags (cli/setting-flags.ts) and docs/settings.md are all
// driven by this table, so their limits and defaults cannot disagree.
// What is not a single value (context templates, statistics ids or .npz,
// literal evaluation texts, the edits) is parsed by hand in experiment.ts.
import { STATS_CORPORA, TEXT_DATASETS } from './data/datasets.ts';
import { DEFAULT_COLLAPSE_FACTOR, DEFAULT_EVAL_SET, DEFAULT_STATS_CORPUS, DEFAULT_STATS_TOKENS } from './defaults.ts';
import { TASK_INFO } from './eval/task-info.ts';
import type { Experiment, MethodName } from './experiment.ts';
import { METHOD_NAMES } from './method-names.ts';

export type SettingType = 'int' | 'float' | 'bool' | 'enum' | 'int-list' | 'string';
export type SettingValue = number | boolean | string | number[];

/** What a default may depend on: the method and the model's depth (GPT-2 small/medium/large/xl: 12/24/36/48 layers). */
export interface SettingContext {
  method: MethodName;
  nLayer: number;
  /** The model's own edit layer (its config.json names one, from causal tracing): ROME's default layer there. */
  editLayer?: number;
}

export interface SettingRow {
  /** Its path in the Experiment, e.g. 'method.v_lr', 'stats.max_tokens', 'eval.tasks.lambada', 'mode'. */
  key: string;
  type: SettingType;
  label: string;
  /** One line for the form and the reference. */
  help: string;
  unit?: string;
  /** The CLI flag (`--<flag>`) and the form's test id (`setting-<flag>`). */
  flag: string;
  /** Shown in the settings form (default true). */
  form?: boolean;
  /** Method knobs: the methods that read it. Absent: every experiment has it. */
  methods?: readonly MethodName[];
  /** Numbers (and each entry of an int list): inclusive bounds, model-independent (the parser's and the form's). */
  min?: number;
  max?: number;
  /** A tighter bound once the model is known (layers: nLayer − 1). */
  maxForModel?: (nLayer: number) => number;
  /** Enums: the allowed values. */
  choices?: readonly string[];
  /** Strings and lists: the most characters / entries. */
  maxLength?: number;
  /** The value when the Experiment leaves it out (undefined: none, e.g. no editor). */
  default(ctx: SettingContext): SettingValue | undefined;
  /** How the per-size default is derived, for the reference (when it varies). */
  defaultNote?: string;
}

// ---- Per-size defaults ----

/** GPT-2's four released depths. */
export const GPT2_SIZES = [
  { id: 'gpt2', label: 'GPT-2 small', nLayer: 12 },
  { id: 'gpt2-medium', label: 'GPT-2 medium', nLayer: 24 },
  { id: 'gpt2-large', label: 'GPT-2 large', nLayer: 36 },
  { id: 'gpt2-xl', label: 'GPT-2 XL', nLayer: 48 },
] as const;

/**
 * ROME's edited layer per size: XL 17 of 48, large 12 of 36, medium 8 of 24
 * (methods.md). GPT-2 small has no official layer; the lab uses layer 5 of
 * 12, which the ROME/MEMIT ports to GPT-2 small commonly use (early-middle
 * MLP, where causal tracing peaks for subjects' last tokens). Other depths:
 * the same relative depth as XL's (17/48).
 */
export function defaultRomeLayer(nLayer: number, editLayer?: number): number {
  if (editLayer !== undefined && editLayer >= 0 && editLayer < nLayer) return editLayer;
  const known: Record<number, number> = { 48: 17, 36: 12, 24: 8, 12: 5 };
  return known[nLayer] ?? Math.max(0, Math.min(nLayer - 1, Math.round((17 / 48) * nLayer)));
}

/** MEMIT/AlphaEdit: XL's 13–17, elsewhere the same share of the depth (5/48, at least 2) ending at ROME's layer. */
export function defaultMemitLayers(nLayer: number, editLayer?: number): number[] {
  const last = defaultRomeLayer(nLayer, editLayer);
  const span = Math.min(last + 1, Math.max(2, Math.round((5 / 48) * nLayer)));
  return Array.from({ length: span }, (_, i) => last - span + 1 + i);
}

/** MEND: XL's last 3 of 48 layers, elsewhere the same share (at least 1). */
export function defaultMendLayers(nLayer: number): number[] {
  const span = Math.min(nLayer, Math.max(1, Math.round((3 / 48) * nLayer)));
  return Array.from({ length: span }, (_, i) => nLayer - span + i);
}

/** FT-L∞'s ε: XL 5e-4, large 1e-3, medium 2e-3 (methods.md), i.e. doubling every 12 layers less; small 4e-3. */
export function defaultFtNorm(nLayer: number): number {
  return Number((5e-4 * 2 ** ((48 - nLayer) / 12)).toPrecision(3));
}

// ---- The table ----

const ROME_LIKE: readonly MethodName[] = ['rome', 'c-rome'];
const MEMIT_LIKE: readonly MethodName[] = ['memit', 'alphaedit'];
const V_STAR: readonly MethodName[] = [...ROME_LIKE, ...MEMIT_LIKE];
const isMemitLike = (m: MethodName) => MEMIT_LIKE.includes(m);
const UINT32_MAX = 2 ** 32 - 1;

const taskRows: SettingRow[] = Object.entries(TASK_INFO).map(([id, t]) => ({
  key: `eval.tasks.${id}`,
  type: 'int',
  label: `${t.label} items`,
  help: `${t.label} ${t.metric === 'em' ? 'exact match' : 'accuracy'} after every edit, on a fixed seeded subsample of this many items (0 = not scored; the page starts LAMBADA at 20)`,
  unit: 'items',
  flag: id,
  form: id === 'lambada',
  min: 0,
  max: 100_000,
  default: () => 0,
}));

export const SETTINGS: readonly SettingRow[] = [
  {
    key: 'method.name',
    type: 'enum',
    label: 'Method',
    help: 'the editing method (methods.md); unset knobs take its defaults for the model size',
    flag: 'method',
    choices: METHOD_NAMES,
    default: () => 'rome',
  },
  { key: 'mode', type: 'enum', label: 'Mode', help: 'sequential: edits accumulate; single: each edit on the original model, undone after scoring', flag: 'mode', choices: ['sequential', 'single'], default: () => 'sequential' },
  {
    key: 'method.layer',
    type: 'int',
    label: 'Layer',
    help: "the MLP whose c_proj ROME rewrites",
    flag: 'layer',
    methods: ROME_LIKE,
    min: 0,
    max: 1023,
    maxForModel: (n) => n - 1,
    default: ({ nLayer, editLayer }) => defaultRomeLayer(nLayer, editLayer),
    defaultNote: 'XL 17, large 12, medium 8, small 5 (causal-tracing peak used by GPT-2-small ports); other depths 17/48 of the depth',
  },
  {
    key: 'method.layers',
    type: 'int-list',
    label: 'Layers',
    help: 'the edited layers, ascending (MEMIT/AlphaEdit optimise z at the last; FT-L tunes c_proj weight and bias; MEND edits c_fc and c_proj)',
    flag: 'layers',
    methods: [...MEMIT_LIKE, 'ft-l', 'mend'],
    min: 0,
    max: 1023,
    maxForModel: (n) => n - 1,
    maxLength: 64,
    default: ({ method, nLayer, editLayer }) => (method === 'ft-l' ? [0] : method === 'mend' ? defaultMendLayers(nLayer) : defaultMemitLayers(nLayer, editLayer)),
    defaultNote: "MEMIT/AlphaEdit: XL 13–17, elsewhere 5/48 of the depth (at least 2) ending at ROME's layer; FT-L: layer 0; MEND: XL 45–47, elsewhere the last 3/48 of the depth",
  },
  { key: 'method.v_num_grad_steps', type: 'int', label: 'v* steps', help: 'gradient steps of the v* (or z) optimisation', unit: 'steps', flag: 'v-steps', methods: V_STAR, min: 1, max: 1000, default: () => 20 },
  { key: 'method.v_lr', type: 'float', label: 'v* learning rate', help: "Adam's learning rate for v*", flag: 'v-lr', methods: V_STAR, min: 1e-6, max: 100, default: () => 0.5 },
  { key: 'method.v_weight_decay', type: 'float', label: 'Weight decay', help: "v*'s weight decay on ‖δ‖", flag: 'v-weight-decay', methods: V_STAR, min: 0, max: 1e6, default: () => 0.5 },
  {
    key: 'method.clamp_norm_factor',
    type: 'float',
    label: 'Clamp norm factor',
    help: '‖δ‖ is clamped to this multiple of the original output norm',
    flag: 'clamp-norm-factor',
    methods: V_STAR,
    min: 0,
    max: 1e6,
    default: ({ method }) => (isMemitLike(method) ? 0.75 : 4),
    defaultNote: 'ROME/C-ROME 4; MEMIT/AlphaEdit 0.75',
  },
  { key: 'method.kl_factor', type: 'float', label: 'KL factor', help: 'weight of the essence (KL) term in the v* loss', flag: 'kl-factor', methods: V_STAR, min: 0, max: 1e6, default: () => 0.0625 },
  { key: 'method.mom2_adjustment', type: 'bool', label: 'mom2 adjustment', help: 'use the key covariance C (u = C⁻¹k*); off: u = k*', flag: 'mom2-adjustment', methods: ROME_LIKE, default: () => true },
  { key: 'method.template_seed', type: 'int', label: 'Template seed', help: 'seed of the generated context templates (unused when the experiment lists its templates)', flag: 'template-seed', methods: V_STAR, min: 0, max: UINT32_MAX, default: () => 0 },
  { key: 'method.mom2_update_weight', type: 'float', label: 'mom2 update weight λ', help: "MEMIT's λ in (λC + KKᵀ)⁻¹: how strongly preserved keys resist the update", flag: 'mom2-update-weight', methods: ['memit'], min: 0, max: 1e9, default: () => 20_000, defaultNote: 'XL 20000; the same for other sizes' },
  { key: 'method.nullspace_threshold', type: 'float', label: 'Null-space threshold', help: "AlphaEdit: eigenvectors of C with eigenvalue below this span the projector's null space", flag: 'nullspace-threshold', methods: ['alphaedit'], min: 0, max: 1e6, default: () => 2e-2, defaultNote: 'XL 2e-2; the same for other sizes' },
  { key: 'method.L2', type: 'float', label: 'L2 (α)', help: "AlphaEdit's ridge term αI in the update's solve", flag: 'l2', methods: ['alphaedit'], min: 0, max: 1e9, default: () => 10 },
  { key: 'method.batch_size', type: 'int', label: 'Batch size', help: 'requests per update call; sequential batches accumulate', unit: 'requests', flag: 'batch-size', methods: MEMIT_LIKE, min: 1, max: 1000, default: () => 1 },
  { key: 'method.lr', type: 'float', label: 'Learning rate', help: "FT-L's Adam learning rate", flag: 'lr', methods: ['ft-l'], min: 1e-9, max: 1, default: () => 5e-4 },
  { key: 'method.num_steps', type: 'int', label: 'Steps', help: "FT-L's optimisation steps (stops early below loss 1e-2)", unit: 'steps', flag: 'num-steps', methods: ['ft-l'], min: 1, max: 1000, default: () => 25 },
  {
    key: 'method.norm_constraint',
    type: 'float',
    label: 'Norm constraint ε',
    help: 'FT-L∞: each edited element stays within ε of its original value',
    flag: 'norm-constraint',
    methods: ['ft-l'],
    min: 0,
    max: 1e3,
    default: ({ nLayer }) => defaultFtNorm(nLayer),
    defaultNote: 'XL 5e-4, large 1e-3, medium 2e-3, small 4e-3: 5e-4 · 2^((48 − layers)/12)',
  },
  { key: 'method.editor', type: 'string', label: 'Editor', help: "MEND's trained editor: a URL or path to its safetensors + config", flag: 'editor', methods: ['mend'], maxLength: 2000, default: () => undefined },
  { key: 'method.edit_lr', type: 'float', label: 'Edit learning rate', help: "MEND: scale of the editor's step, if the editor has one", flag: 'edit-lr', methods: ['mend'], min: 0, max: 1e3, default: () => 1e-4 },
  { key: 'stats.texts', type: 'enum', label: 'Statistics corpus', help: 'text the key covariance C is estimated on (the experiment may instead give token ids or a ROME .npz)', flag: 'stats-corpus', form: false, choices: Object.keys(STATS_CORPORA), default: () => DEFAULT_STATS_CORPUS },
  { key: 'stats.max_tokens', type: 'int', label: 'Statistics tokens', help: 'tokens of the corpus the key covariance is estimated on', unit: 'tokens', flag: 'stats-tokens', min: 100, max: 2_000_000, default: () => DEFAULT_STATS_TOKENS },
  { key: 'eval.texts', type: 'enum', label: 'Evaluation set', help: 'the texts whose ME-PPL is scored after every edit (the experiment may instead list its own texts)', flag: 'eval-texts', choices: Object.keys(TEXT_DATASETS), default: () => DEFAULT_EVAL_SET },
  { key: 'eval.collapse_factor', type: 'float', label: 'Collapse factor', help: '× the unedited ME-PPL: above it (or NaN/Inf) the model counts as collapsed', unit: '×', flag: 'collapse-factor', min: 1, max: 1e12, default: () => DEFAULT_COLLAPSE_FACTOR },
  ...taskRows,
  { key: 'eval.seed', type: 'int', label: 'Task sample seed', help: "seed of each task's fixed subsample", flag: 'seed', form: false, min: 0, max: UINT32_MAX, default: () => 0 },
];

export type SettingKey = string;

const BY_KEY = new Map(SETTINGS.map((r) => [r.key, r]));

export function settingRow(key: SettingKey): SettingRow {
  const r = BY_KEY.get(key);
  if (!r) throw new Error(`no setting "${key}"`);
  return r;
}

/** The rows a method reads, in table order (method-independent rows excluded). */
export function methodRows(method: MethodName): SettingRow[] {
  return SETTINGS.filter((r) => r.methods?.includes(method));
}

/** The row applies to an experiment of this method. */
export function appliesTo(row: SettingRow, method: MethodName): boolean {
  return !row.methods || row.methods.includes(method);
}

// ---- Validation: one check for every entry point ----

/** Why `v` is not a valid value of `row` (null when it is). `nLayer` tightens model-dependent bounds. */
export function settingError(row: SettingRow, v: unknown, nLayer?: number): string | null {
  const inRange = (x: unknown, integer: boolean): string | null => {
    if (typeof x !== 'number' || !Number.isFinite(x)) return 'must be a finite number';
    if (integer && !Number.isInteger(x)) return 'must be a whole number';
    const hi = nLayer !== undefined && row.maxForModel ? Math.min(row.max ?? Infinity, row.maxForModel(nLayer)) : row.max;
    if ((row.min !== undefined && x < row.min) || (hi !== undefined && x > hi)) return `must be between ${row.min} and ${hi}`;
    return null;
  };
  switch (row.type) {
    case 'int':
      return inRange(v, true);
    case 'float':
      return inRange(v, false);
    case 'bool':
      return typeof v === 'boolean' ? null : 'must be true or false';
    case 'enum':
      return typeof v === 'string' && row.choices!.includes(v) ? null : `${JSON.stringify(v)?.slice(0, 40)} is not one of ${row.choices!.join(', ')}`;
    case 'string':
      if (typeof v !== 'string') return 'must be a string';
      return v.length > (row.maxLength ?? 2000) ? `is longer than ${row.maxLength ?? 2000} characters` : null;
    case 'int-list': {
      if (!Array.isArray(v)) return 'must be a list of whole numbers';
      if (v.length === 0) return 'must not be empty';
      if (v.length > (row.maxLength ?? 64)) return `has more than ${row.maxLength ?? 64} entries`;
      for (const [i, x] of v.entries()) {
        const e = inRange(x, true);
        if (e) return `entry ${i} ${e}`;
        if (i > 0 && x <= v[i - 1]) return 'must be strictly ascending';
      }
      return null;
    }
  }
}

/** A JSON value as the row's value, or an error naming `where`. */
export function parseSettingValue(row: SettingRow, v: unknown, where: string = row.key, nLayer?: number): SettingValue {
  const e = settingError(row, v, nLayer);
  if (e) throw new SettingError(`${where} ${e}`);
  return row.type === 'int-list' ? [...(v as number[])] : (v as SettingValue);
}

/** Text typed in the form or given as a CLI flag: the value, or why not (same bounds as the JSON parser). */
export function parseSettingText(row: SettingRow, text: string, nLayer?: number): { value: SettingValue } | { error: string } {
  const t = text.trim();
  let v: unknown;
  switch (row.type) {
    case 'int':
    case 'float':
      if (!t) return { error: 'required' };
      v = Number(t);
      if (!Number.isFinite(v)) return { error: 'not a number' };
      break;
    case 'bool':
      if (!/^(true|false|1|0|on|off)$/i.test(t)) return { error: 'must be true or false' };
      v = /^(true|1|on)$/i.test(t);
      break;
    case 'int-list':
      if (!t) return { error: 'required' };
      v = t.split(/[\s,]+/).filter(Boolean).map(Number);
      break;
    default:
      v = t;
  }
  const e = settingError(row, v, nLayer);
  return e ? { error: e.replace(/^must be between/, 'between') } : { value: v as SettingValue };
}

/** The row's value as text (the form's draft, a CLI flag); parseSettingText reads it back exactly. */
export function formatSetting(_row: SettingRow, v: SettingValue | undefined): string {
  if (v === undefined) return '';
  return Array.isArray(v) ? v.join(',') : String(v);
}

export class SettingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SettingError';
  }
}

// ---- Reading and writing a row's place in an Experiment ----

type Settings = Pick<Experiment, 'method' | 'mode' | 'stats' | 'eval'>;

/** The row's value as the experiment states it (undefined: left to the default; for statistics ids/npz, the corpus rows are absent). */
export function getSetting(exp: Settings, key: SettingKey): SettingValue | undefined {
  const [head, ...rest] = key.split('.');
  let o: unknown = exp[head as keyof Settings];
  if (head === 'eval' && rest[0] === 'texts' && Array.isArray(o && (o as Record<string, unknown>).texts)) return undefined;
  for (const k of rest) o = o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined;
  return o as SettingValue | undefined;
}

/** A copy of `exp` with the row set (undefined removes it). Setting a statistics corpus replaces an ids or npz source. */
export function withSetting<T extends Settings>(exp: T, key: SettingKey, value: SettingValue | undefined): T {
  const out = structuredClone(exp);
  const [head, ...rest] = key.split('.') as [keyof Settings, ...string[]];
  if (!rest.length) {
    if (value !== undefined) (out as Record<string, unknown>)[head] = value;
    return out;
  }
  if (head === 'stats') {
    const s = out.stats && 'texts' in out.stats ? out.stats : { texts: DEFAULT_STATS_CORPUS };
    if (!(out.stats && 'texts' in out.stats) && value === undefined) return out;
    out.stats = s;
  }
  let o = ((out as Record<string, unknown>)[head] ??= {}) as Record<string, unknown>;
  for (const k of rest.slice(0, -1)) o = (o[k] ??= {}) as Record<string, unknown>;
  const last = rest[rest.length - 1]!;
  if (value === undefined) delete o[last];
  else o[last] = Array.isArray(value) ? [...value] : value;
  return out;
}

/** The row's value for an experiment on an `nLayer`-layer model: as stated, else the default. */
export function effectiveSetting(exp: Settings, key: SettingKey, nLayer: number, editLayer?: number): SettingValue | undefined {
  return getSetting(exp, key) ?? settingRow(key).default({ method: exp.method.name, nLayer, editLayer });
}
