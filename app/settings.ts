// The settings form: its draft (text as typed, one entry per row of the
// settings table), the defaults for a model size, and the validated
// LabSettings the worker receives. Every field, limit and default comes from
// models/settings-table.ts, so the form and the Experiment parser agree.
import { TEXT_DATASETS } from '../models/data/datasets.ts';
import { DEFAULT_LAMBADA_ITEMS, DEFAULT_STATS_CORPUS, DEFAULT_STATS_TOKENS } from '../models/defaults.ts';
import { METHOD_LABELS, METHOD_NAMES, type MethodName } from '../models/method-names.ts';
import { appliesTo, formatSetting, getSetting, parseSettingText, SETTINGS, withSetting, type SettingKey, type SettingRow } from '../models/settings-table.ts';
import type { LabSettings } from '../workers/protocol.ts';

export const EDIT_METHODS: ReadonlyArray<{ id: MethodName; label: string }> = METHOD_NAMES.map((id) => ({ id, label: METHOD_LABELS[id] }));

/** The evaluation-set choice meaning "the literal texts the experiment carries". */
export const CUSTOM_TEXTS = 'custom-texts';

/** The rows the form shows, in table order (statistics rows only when statistics come from a corpus). */
export const FORM_ROWS: readonly SettingRow[] = SETTINGS.filter((r) => r.form !== false);

/** Text per row key, as typed (booleans as "true"/"false"). */
export type SettingsDraft = Record<SettingKey, string>;
export type DraftErrors = Partial<Record<SettingKey, string>>;

/** The form rows that apply to a draft's method. */
export function visibleRows(d: SettingsDraft): SettingRow[] {
  return FORM_ROWS.filter((r) => appliesTo(r, d['method.name'] as MethodName));
}

/** The defaults for a model with `nLayer` layers: every row's default for ROME, plus the page's LAMBADA subsample. */
export function defaultSettings(nLayer: number, method: MethodName = 'rome', editLayer?: number): LabSettings {
  let s: LabSettings = { method: { name: method }, mode: 'sequential', stats: { texts: DEFAULT_STATS_CORPUS, max_tokens: DEFAULT_STATS_TOKENS }, eval: {} };
  for (const r of SETTINGS) {
    if (!appliesTo(r, method) || r.key === 'method.name' || r.key.startsWith('eval.tasks.') || r.key === 'eval.seed') continue;
    s = withSetting(s, r.key, r.default({ method, nLayer, editLayer }));
  }
  return withSetting(s, 'eval.tasks.lambada', DEFAULT_LAMBADA_ITEMS);
}

export function draftOf(s: LabSettings, nLayer: number, editLayer?: number): SettingsDraft {
  const d: SettingsDraft = {};
  for (const r of FORM_ROWS) {
    const v = getSetting(s, r.key) ?? (r.key.startsWith('eval.tasks.') ? 0 : r.default({ method: s.method.name, nLayer, editLayer }));
    d[r.key] = formatSetting(r, v);
  }
  if (Array.isArray(s.eval.texts)) d['eval.texts'] = CUSTOM_TEXTS;
  return d;
}

/** Validate a draft; `base` supplies what the form does not show (literal texts, explicit templates, other tasks, statistics ids). */
export function parseDraft(d: SettingsDraft, nLayer: number, base: LabSettings): { settings: LabSettings; errors: DraftErrors } {
  const errors: DraftErrors = {};
  const method = d['method.name'] as MethodName;
  // Knobs of another method do not travel with the new one.
  let settings: LabSettings = { ...structuredClone(base), method: { name: method, ...(base.method.context_templates ? { context_templates: base.method.context_templates } : {}) } };
  for (const r of FORM_ROWS) {
    if (!appliesTo(r, method)) continue;
    const text = d[r.key] ?? '';
    if (r.key === 'eval.texts' && text === CUSTOM_TEXTS && Array.isArray(base.eval.texts)) continue;
    if (r.key === 'stats.max_tokens' && !('texts' in base.stats)) continue;
    if (r.type === 'string' && !text.trim()) {
      settings = withSetting(settings, r.key, undefined); // an optional string left empty
      continue;
    }
    const got = parseSettingText(r, text, r.maxForModel ? nLayer : undefined);
    if ('error' in got) errors[r.key] = got.error;
    else settings = withSetting(settings, r.key, r.key.startsWith('eval.tasks.') && got.value === 0 ? undefined : got.value);
  }
  return { settings, errors };
}

/** The draft for another method: its defaults, keeping what is not a method knob and the shared knobs the user changed. */
export function switchMethod(d: SettingsDraft, to: MethodName, nLayer: number, editLayer?: number): SettingsDraft {
  const from = d['method.name'] as MethodName;
  const out = draftOf(defaultSettings(nLayer, to, editLayer), nLayer, editLayer);
  const fromDefaults = draftOf(defaultSettings(nLayer, from, editLayer), nLayer, editLayer);
  for (const r of FORM_ROWS) {
    const shared = r.methods?.includes(from) && r.methods.includes(to);
    if (d[r.key] !== undefined && (!r.methods || (shared && d[r.key] !== fromDefaults[r.key]))) out[r.key] = d[r.key]!;
  }
  out['method.name'] = to;
  return out;
}

export function evalSetOptions(): Array<{ id: string; label: string }> {
  return Object.entries(TEXT_DATASETS).map(([id, ds]) => ({ id, label: ds.label }));
}
