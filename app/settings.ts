// The settings form: its draft (strings, as typed), the defaults for a model
// size, and the validated LabSettings the worker receives. Pure logic.
import { DEFAULT_COLLAPSE_FACTOR as DEFAULT_COLLAPSE, DEFAULT_EVAL_SET, DEFAULT_LAMBADA_ITEMS, DEFAULT_STATS_CORPUS, DEFAULT_STATS_TOKENS } from '../models/defaults.ts';
import { TEXT_DATASETS } from '../models/data/datasets.ts';
import { romeHparams } from '../models/editing/rome-hparams.ts';
import type { MethodName } from '../models/experiment.ts';
import type { LabSettings } from '../workers/protocol.ts';

export const EDIT_METHODS: ReadonlyArray<{ id: MethodName; label: string }> = [
  { id: 'rome', label: 'ROME' },
  { id: 'c-rome', label: 'C-ROME (consistent keys)' },
];

/** The evaluation-set choice meaning "the literal texts the experiment carries". */
export const CUSTOM_TEXTS = 'custom-texts';

export interface SettingsDraft {
  method: MethodName;
  layer: string;
  steps: string;
  lr: string;
  weightDecay: string;
  clamp: string;
  kl: string;
  mom2: boolean;
  seed: string;
  mode: 'sequential' | 'single';
  collapseFactor: string;
  evalSet: string;
  statsTokens: string;
  lambada: string;
}

export type DraftField = Exclude<keyof SettingsDraft, 'method' | 'mom2' | 'mode'>;
export type DraftErrors = Partial<Record<DraftField, string>>;

/** ROME's defaults for a model with `nLayer` layers (the layer is the only size-dependent one). */
export function defaultSettings(nLayer: number): LabSettings {
  const hp = romeHparams(nLayer);
  return {
    method: {
      name: 'rome',
      layer: hp.layer,
      v_num_grad_steps: hp.v_num_grad_steps,
      v_lr: hp.v_lr,
      v_weight_decay: hp.v_weight_decay,
      clamp_norm_factor: hp.clamp_norm_factor,
      kl_factor: hp.kl_factor,
      mom2_adjustment: hp.mom2_adjustment,
      template_seed: 0,
    },
    mode: 'sequential',
    stats: { texts: DEFAULT_STATS_CORPUS, max_tokens: DEFAULT_STATS_TOKENS },
    plan: { texts: DEFAULT_EVAL_SET, collapseFactor: DEFAULT_COLLAPSE, tasks: { lambada: DEFAULT_LAMBADA_ITEMS } },
  };
}

export function draftOf(s: LabSettings, nLayer: number): SettingsDraft {
  const hp = romeHparams(nLayer, s.method);
  const stats = s.stats;
  return {
    method: s.method.name,
    layer: String(hp.layer),
    steps: String(hp.v_num_grad_steps),
    lr: String(hp.v_lr),
    weightDecay: String(hp.v_weight_decay),
    clamp: String(hp.clamp_norm_factor),
    kl: String(hp.kl_factor),
    mom2: hp.mom2_adjustment,
    seed: String(s.method.template_seed ?? 0),
    mode: s.mode,
    collapseFactor: String(s.plan.collapseFactor ?? DEFAULT_COLLAPSE),
    evalSet: typeof s.plan.texts === 'string' ? s.plan.texts : CUSTOM_TEXTS,
    statsTokens: 'texts' in stats ? String(stats.max_tokens ?? DEFAULT_STATS_TOKENS) : String(DEFAULT_STATS_TOKENS),
    lambada: String(s.plan.tasks?.lambada ?? 0),
  };
}

function numberField(text: string, lo: number, hi: number, integer: boolean): number | string {
  const t = text.trim();
  if (!t) return 'required';
  const v = Number(t);
  if (!Number.isFinite(v)) return 'not a number';
  if (integer && !Number.isInteger(v)) return 'must be a whole number';
  if (v < lo || v > hi) return `between ${lo} and ${hi}`;
  return v;
}

/** Validate a draft; `base` supplies what the form does not show (e.g. literal texts, explicit templates). */
export function parseDraft(d: SettingsDraft, nLayer: number, base: LabSettings): { settings: LabSettings; errors: DraftErrors } {
  const errors: DraftErrors = {};
  const get = (field: DraftField, lo: number, hi: number, integer = false): number => {
    const v = numberField(d[field], lo, hi, integer);
    if (typeof v === 'string') {
      errors[field] = v;
      return NaN;
    }
    return v;
  };
  const method = {
    ...base.method,
    name: d.method,
    layer: get('layer', 0, nLayer - 1, true),
    v_num_grad_steps: get('steps', 1, 1000, true),
    v_lr: get('lr', 1e-6, 100),
    v_weight_decay: get('weightDecay', 0, 1e6),
    clamp_norm_factor: get('clamp', 0, 1e6),
    kl_factor: get('kl', 0, 1e6),
    mom2_adjustment: d.mom2,
    template_seed: get('seed', 0, 2 ** 32 - 1, true),
  };
  const collapseFactor = get('collapseFactor', 1, 1e12);
  const maxTokens = get('statsTokens', 100, 2_000_000, true);
  const lambada = get('lambada', 0, 5153, true);
  // Other tasks (set by a shared experiment) stay as they are; LAMBADA follows the form.
  const { lambada: _old, ...otherTasks } = base.plan.tasks ?? {};
  const tasks = lambada > 0 ? { ...otherTasks, lambada } : otherTasks;
  const customTexts = d.evalSet === CUSTOM_TEXTS && Array.isArray(base.plan.texts);
  if (!customTexts && !TEXT_DATASETS[d.evalSet]) errors.evalSet = 'unknown evaluation set';
  const statsBase = base.stats;
  const stats = 'texts' in statsBase ? { ...statsBase, max_tokens: maxTokens } : statsBase;
  return {
    settings: { method, mode: d.mode, stats, plan: { ...base.plan, texts: customTexts ? base.plan.texts : d.evalSet, collapseFactor, tasks } },
    errors,
  };
}

export function evalSetOptions(): Array<{ id: string; label: string }> {
  return Object.entries(TEXT_DATASETS).map(([id, ds]) => ({ id, label: ds.label }));
}
