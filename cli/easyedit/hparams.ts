// Experiment → EasyEdit hyper-parameters, field by field, driven by the
// lab's settings table: every row either lands in a field of the method's
// EasyEdit class (cli/easyedit/classes.ts, via cli/easyedit/mapping.ts), goes
// to run.py, or comes back as a warning saying it has no counterpart when the
// experiment sets it. A row the method does not read is said to be ignored.
// Nothing is dropped silently.
import type { Experiment } from '../../models/experiment.ts';
import { METHOD_LABELS } from '../../models/method-names.ts';
import { appliesTo, getSetting, settingError, settingRow, SETTINGS, type SettingRow, type SettingValue } from '../../models/settings-table.ts';
import { ARCHITECTURES, defaultModel, guessArch, knownModel, officialDefault, type ArchId, type KnownModel } from './architectures.ts';
import { classHas, EASYEDIT_CLASSES, inClass, isFromSettings, type ClassContext, type EasyEditClass, type TemplateValue } from './classes.ts';
import { easyEditTarget, STATS_DATASETS, UNMAPPED_BY_HAND } from './mapping.ts';
import type { YamlValue } from './yaml.ts';

export interface ModelOptions {
  /** The family, when the id does not say it. */
  arch?: ArchId;
  /** The depth, when the model is not one we know. */
  nLayer?: number;
  /** The edit layer a local model folder names (config.json butterfly_lab.edit_layer): the default layer, as in the Lab. */
  editLayer?: number;
}

export interface EasyEditHparams {
  alg_name: string;
  hparams_class: string;
  fields: Record<string, YamlValue>;
  /** Settings with no EasyEdit counterpart (or only an approximate one), or not read by the method. */
  warnings: string[];
  /** How a setting was mapped where it is not one-to-one (written into the YAML's header). */
  notes: string[];
  /** The model's depth as the export resolved it. */
  nLayer: number;
}

export class ExportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ExportError';
  }
}

export function resolveModel(modelId: string, opts: ModelOptions): KnownModel {
  const known = knownModel(modelId);
  if (known && opts.nLayer === undefined && opts.editLayer === undefined && (opts.arch === undefined || opts.arch === known.arch)) return known;
  const arch = opts.arch ?? known?.arch ?? guessArch(modelId);
  if (!arch) throw new ExportError(`cannot tell the architecture of "${modelId}": pass --arch gpt2|gptj|llama (where its MLP weights live) and --n-layer N`);
  const nLayer = opts.nLayer ?? known?.nLayer;
  if (nLayer === undefined) throw new ExportError(`the depth of "${modelId}" is unknown: pass --n-layer N (its num_hidden_layers)`);
  return defaultModel(arch, nLayer, opts.editLayer);
}

/** Does this row concern the method's EasyEdit class? Method rows: the table says; others (statistics): the class has the field. */
function concerns(row: SettingRow, method: Experiment['method']['name'], cls: EasyEditClass, template: Record<string, TemplateValue>): boolean {
  if (row.methods) return appliesTo(row, method);
  const t = easyEditTarget(row.key);
  if (t.kind === 'field') return classHas(cls, template, t.field);
  if (t.kind === 'none' && t.onlyWith) return t.onlyWith in template;
  return true;
}

const show = (v: SettingValue) => (Array.isArray(v) ? `[${v.join(', ')}]` : JSON.stringify(v));

export function toEasyEditHparams(exp: Experiment, opts: ModelOptions = {}): EasyEditHparams {
  const method = exp.method.name;
  const model = resolveModel(exp.model, opts);
  const arch = ARCHITECTURES[model.arch];
  const cls = EASYEDIT_CLASSES[method];
  const label = METHOD_LABELS[method];
  const lambdaRow = settingRow('method.mom2_update_weight');
  const ctx: ClassContext = { model: exp.model, arch, nLayer: model.nLayer, lambda: Number(officialDefault(model, method, lambdaRow.key) ?? lambdaRow.default({ method, nLayer: model.nLayer })) };
  const template = cls.fields(ctx);
  const warnings: string[] = [];
  const notes = [`Exported by Butterfly Lab from an Experiment (method ${method}, model ${exp.model}).`, `Unset settings: ${model.source}.`, ...(cls.notes ?? [])];
  if (/^(\.|\/|public\/)/.test(exp.model)) warnings.push(`model "${exp.model}" is a local folder: it must exist at that path on the GPU node (model_name is written as given)`);

  const filled: Record<string, YamlValue> = {};
  for (const row of SETTINGS) {
    const target = easyEditTarget(row.key);
    const stated = getSetting(exp, row.key);
    if (!concerns(row, method, cls, template)) {
      if (stated !== undefined) warnings.push(`${row.key} ${show(stated)}: not a setting of ${label}${row.methods ? '' : ' (it uses no key statistics)'}; ignored`);
      continue;
    }
    if (target.kind === 'none') {
      if (stated !== undefined) warnings.push(`${row.key} ${show(stated)}: no counterpart; ${target.why}`);
      continue;
    }
    if (target.kind === 'run') continue; // the bundle writes it (cli/export-easyedit.ts)
    if (!classHas(cls, template, target.field)) throw new Error(`cli/easyedit: ${row.key} maps to ${target.field}, which ${cls.hparams_class} does not have`);
    if (row.key === 'method.name') {
      filled[target.field] = cls.alg_name;
      continue;
    }
    if (stated !== undefined) {
      // The parser checked the table's bounds; now the model is known, its depth bounds the layers too.
      const e = settingError(row, stated, model.nLayer);
      if (e) throw new ExportError(`${row.key} ${e} (${exp.model} has ${model.nLayer} layers)`);
    }
    const value = stated ?? officialDefault(model, method, row.key) ?? exportDefault(row.key) ?? row.default({ method, nLayer: model.nLayer, editLayer: model.editLayer });
    if (value === undefined) continue;
    const [field, v] = inClass(cls, target.field, target.write ? target.write(value) : (value as YamlValue), ctx);
    filled[field] = v;
  }

  // Statistics given as token ids or a ROME .npz (not table rows: parsed by hand in experiment.ts).
  const usesStats = 'mom2_dataset' in template;
  const s = exp.stats;
  if (s && usesStats) {
    if ('ids' in s) warnings.push(`stats.ids (${s.ids.length} token sequences): no counterpart; ${UNMAPPED_BY_HAND['stats.ids']} (${filled.mom2_dataset}, 100000 texts)`);
    if ('npz' in s) warnings.push(`stats.npz "${s.npz}": EasyEdit reads precomputed statistics only from stats_dir (<stats_dir>/<model>/${filled.mom2_dataset}_stats/<layer module>_float32_mom2_100000.npz, ROME's layout): place the file there, or EasyEdit recomputes C`);
    if ('texts' in s && !(s.texts in STATS_DATASETS)) warnings.push(`stats.texts "${s.texts}": EasyEdit's layer_stats reads only "wikipedia" or "wikitext" (Hugging Face datasets); wikipedia is used`);
    if ('texts' in s && s.texts === 'wikitext2') warnings.push('stats.texts "wikitext2": EasyEdit\'s "wikitext" is wikitext-103-raw-v1 train, not the lab\'s WikiText-2 test articles');
  } else if (usesStats) notes.push('No stats in the experiment: EasyEdit computes C over 100000 wikipedia texts (ROME\'s statistics; the browser lab\'s default is smaller).');
  if (exp.method.context_templates && appliesTo(settingRow('method.template_seed'), method)) {
    warnings.push(`method.context_templates (${exp.method.context_templates.length} templates): no counterpart; ${UNMAPPED_BY_HAND['method.context_templates']}`);
  }
  warnings.push(...(cls.caveats?.(exp) ?? []));

  const fields: Record<string, YamlValue> = {};
  for (const [k, v] of Object.entries(template)) {
    if (!isFromSettings(v)) fields[k] = v;
    else if (k in filled) fields[k] = filled[k]!;
    else if (v.fallback !== undefined) fields[k] = v.fallback;
    else throw new Error(`cli/easyedit: ${cls.hparams_class}.${k} is to come from the settings, but no setting of ${method} maps to it`);
  }
  return { alg_name: cls.alg_name, hparams_class: cls.hparams_class, fields, warnings, notes, nLayer: model.nLayer };
}

/**
 * Defaults of the export that differ from the browser's: the key statistics
 * EasyEdit computes on a GPU node are ROME's (Wikipedia, 100000 texts), not
 * the small corpus a browser tab can afford.
 */
function exportDefault(key: string): SettingValue | undefined {
  return key === 'stats.texts' ? 'wikipedia' : undefined;
}
