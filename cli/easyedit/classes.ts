// EasyEdit's hyper-parameter class for each method the Experiment may name,
// with every field of the class in its order: either filled from the lab's
// settings (FROM_SETTINGS: cli/easyedit/mapping.ts says which setting), or
// EasyEdit's own setting at the value its hparams/<METHOD>/*.yaml use. The
// field lists equal the classes of the EasyEdit version in
// tests/fixtures/easyedit/hparams-fields.json (tests check every method).
import type { MethodName } from '../../models/method-names.ts';
import type { Architecture } from './architectures.ts';
import type { YamlValue } from './yaml.ts';

/** A field the export fills from the experiment's settings (stated, else the default); `fallback` when the setting has no default. */
export interface FromSettings {
  fromSettings: true;
  fallback?: YamlValue;
}
const FROM: FromSettings = { fromSettings: true };
export type TemplateValue = YamlValue | FromSettings;
export const isFromSettings = (v: TemplateValue): v is FromSettings => typeof v === 'object' && v !== null && !Array.isArray(v) && 'fromSettings' in v;

/** EasyEdit's MEND layers: XL's last 3 of 48, the same share of other depths (at least 1). */
function mendLastLayers(nLayer: number): number[] {
  const span = Math.min(nLayer, Math.max(1, Math.round((3 / 48) * nLayer)));
  return Array.from({ length: span }, (_, i) => nLayer - span + i);
}

export interface ClassContext {
  model: string;
  arch: Architecture;
  nLayer: number;
  /** MEMIT's λ for this model (EasyEdit's configs), for AlphaEdit's class, which has the field but not the setting. */
  lambda: number;
}

export interface EasyEditClass {
  alg_name: string;
  hparams_class: string;
  fields(ctx: ClassContext): Record<string, TemplateValue>;
  /** How this method's export differs from the lab's run in ways no field expresses (warned). */
  caveats?(exp: { mode: string; method: { editor?: string } }): string[];
  /** Notes for the YAML header. */
  notes?: string[];
  /** Where this class keeps a mapped field under another name, and how the value is rewritten for it. */
  renames?: Record<string, { field: string; write: (v: YamlValue, ctx: ClassContext) => YamlValue }>;
}

const modules = (a: Architecture) => ({
  rewrite_module_tmp: a.rewrite_module_tmp,
  layer_module_tmp: a.layer_module_tmp,
  mlp_module_tmp: a.mlp_module_tmp,
  attn_module_tmp: a.attn_module_tmp,
  ln_f_module: a.ln_f_module,
  lm_head_module: a.lm_head_module,
});
const stats = { mom2_dataset: FROM, mom2_n_samples: 100000, mom2_dtype: 'float32' };
const common = (ctx: ClassContext) => ({ alg_name: FROM, device: 0, model_name: ctx.model });

/** ROME's v* (MEMIT's z) knobs, as every locate-then-edit class names them. */
const vStar = (ctx: ClassContext) => ({
  fact_token: 'subject_last',
  v_num_grad_steps: FROM,
  v_lr: FROM,
  v_loss_layer: ctx.nLayer - 1,
  v_weight_decay: FROM,
  clamp_norm_factor: FROM,
  kl_factor: FROM,
});

/** ROME and R-ROME: the same class; `original` picks the original update (ROME) or r-ROME's consistent keys (C-ROME). */
const rankOne = (original: boolean) => (ctx: ClassContext): Record<string, TemplateValue> => ({
  layers: FROM,
  ...vStar(ctx),
  mom2_adjustment: FROM,
  context_template_length_params: [[5, 10], [10, 10]],
  ...modules(ctx.arch),
  ...stats,
  ...common(ctx),
  stats_dir: './data/stats',
  max_length: 40,
  model_parallel: false,
  fp16: false,
  enable_prompt_keys: false,
  enable_random_prefix_keys: true,
  original_implementation: original,
});

/** MEMIT and AlphaEdit. The lab's MEMIT always uses C (mom2_adjustment true). */
const locateThenEdit = (alpha: boolean) => (ctx: ClassContext): Record<string, TemplateValue> => ({
  layers: FROM,
  layer_selection: 'all',
  ...vStar(ctx),
  mom2_adjustment: true,
  // AlphaEdit's class has λ but its update does not read it (α is L2): EasyEdit's value for the model.
  mom2_update_weight: alpha ? { float: ctx.lambda } : FROM,
  ...modules(ctx.arch),
  ...stats,
  ...(alpha ? { nullspace_threshold: FROM, L2: FROM } : {}),
  ...common(ctx),
  stats_dir: './data/stats',
  ...(alpha ? { P_loc: `./null_space_project-${ctx.model.replace(/[^\w.-]+/g, '_')}.pt` } : {}),
  max_length: alpha ? 40 : 30,
  batch_size: FROM,
  ...(alpha ? { model_parallel: false } : {}),
});

/** The class's name for a mapped field, and the value as the class spells it. */
export function inClass(cls: EasyEditClass, field: string, value: YamlValue, ctx: ClassContext): [string, YamlValue] {
  const r = cls.renames?.[field];
  return r ? [r.field, r.write(value, ctx)] : [field, value];
}

/** The class's own name for a mapped field. */
export function classFieldName(cls: EasyEditClass, field: string): string {
  return cls.renames?.[field]?.field ?? field;
}

/** Whether the class has the mapped field (under its own name). */
export function classHas(cls: EasyEditClass, template: Record<string, TemplateValue>, field: string): boolean {
  return classFieldName(cls, field) in template;
}

export const EASYEDIT_CLASSES: Record<MethodName, EasyEditClass> = {
  rome: { alg_name: 'ROME', hparams_class: 'ROMEHyperParams', fields: rankOne(true), notes: ['ROME: the original update (prefixed key in u, unprefixed key in the denominator and residual): original_implementation true.'] },
  'c-rome': {
    alg_name: 'R-ROME',
    hparams_class: 'R_ROMEHyperParams',
    fields: rankOne(false),
    notes: ["C-ROME is exported as EasyEdit's R-ROME (r-ROME, Gupta et al. 2024, \"Rebuilding ROME\"): original_implementation false, enable_random_prefix_keys true — the template-averaged key in u, the denominator and the residual."],
    caveats: () => ["c-rome: efficacy scored with a random prefixed template (the lab's C-ROME evaluation) has no counterpart; run.py scores ME-PPL, tasks and target NLLs on the plain prompt"],
  },
  memit: { alg_name: 'MEMIT', hparams_class: 'MEMITHyperParams', fields: locateThenEdit(false) },
  alphaedit: {
    alg_name: 'AlphaEdit',
    hparams_class: 'AlphaEditHyperParams',
    fields: locateThenEdit(true),
    notes: ['P_loc: EasyEdit computes the null-space projector P for this model on first use and saves it there.'],
    caveats: (exp) => (exp.mode === 'single' ? ["mode \"single\" with AlphaEdit: run.py restores the weights after each edit, but EasyEdit's AlphaEdit keeps the keys of earlier edits (its cache_c) in module state, so later edits are projected against them"] : []),
  },
  'ft-l': {
    alg_name: 'FT',
    hparams_class: 'FTHyperParams',
    fields: (ctx) => ({
      layers: FROM,
      num_steps: FROM,
      lr: FROM,
      weight_decay: { float: 0 },
      kl_factor: { float: 0 },
      norm_constraint: FROM,
      ...modules(ctx.arch),
      device: 0,
      alg_name: FROM,
      model_name: ctx.model,
      objective_optimization: 'prompt_last',
      batch_size: 1,
      max_length: 40,
      model_parallel: false,
    }),
    notes: ["FT-L∞'s loss at the last prompt position is EasyEdit's objective_optimization \"prompt_last\"."],
  },
  mend: {
    alg_name: 'MEND',
    hparams_class: 'MENDHyperParams',
    // MEND names weights, not layers: the MLP weights of each edited layer.
    renames: { layers: { field: 'inner_params', write: (v, ctx) => (v as number[]).flatMap((l) => ctx.arch.mend_params.map((p) => p.replace('{}', String(l)))) } },
    fields: (ctx) => ({
      model_class: ctx.arch.model_class,
      tokenizer_class: ctx.arch.tokenizer_class,
      tokenizer_name: ctx.model,
      // Unset in the lab means "what the editor was trained for"; EasyEdit's MEND configs edit the last 3 of 48 layers (the same share elsewhere).
      inner_params: { fromSettings: true, fallback: mendLastLayers(ctx.nLayer).flatMap((l) => ctx.arch.mend_params.map((p) => p.replace('{}', String(l)))) },
      archive: { fromSettings: true, fallback: `./results/models/MEND/${ctx.model.split('/').pop()}` },
      lr: { float: 1e-6 },
      // Unset in the lab means the editor's learned step; EasyEdit's configs start it at 1e-4.
      edit_lr: { fromSettings: true, fallback: { float: 1e-4 } },
      lr_lr: { float: 1e-4 },
      lr_scale: { float: 1 },
      seed: 42,
      debug: false,
      cedit: { float: 0.1 },
      cloc: { float: 1 },
      cbase: { float: 1 },
      dropout: { float: 0 },
      train_base: false,
      no_grad_layers: null,
      one_sided: false,
      n_hidden: 1,
      hidden_dim: null,
      init: 'id',
      norm: true,
      combine: true,
      x_only: false,
      delta_only: false,
      act: 'relu',
      rank: 1920,
      mlp_class: 'IDMLP',
      shared: true,
      results_dir: './results',
      device: 0,
      model_save_pt: 5000,
      silent: false,
      log_interval: 1000,
      eval_log_interval: 1000,
      final_eval: true,
      val_interval: 1000,
      early_stop_patience: 20000,
      early_stop_key: 'loss/total_edit_val',
      eval_only: true,
      half: false,
      save: false,
      verbose: true,
      val_batch_size: 5,
      accumulate_bs: 10,
      val_steps: 500,
      opt: 'Adam',
      grad_clip: { float: 100 },
      alg_name: FROM,
      model_name: ctx.model,
      batch_size: 1,
      max_length: 40,
      max_output_length: null,
      max_epochs: null,
      max_iters: 100000,
      model_parallel: false,
    }),
    notes: ["MEND's editor settings (rank, init, lr_lr, …) are EasyEdit's GPT-2 XL defaults: they describe the trained editor and must match the archive."],
    caveats: (exp) => [
      exp.method.editor
        ? `method.editor "${exp.method.editor}": EasyEdit loads a MEND archive it trained itself (a PyTorch checkpoint); the lab's safetensors editors are not that format — set archive to an EasyEdit-trained editor for this model`
        : "method.editor is unset: archive points at EasyEdit's default results folder; train an editor there with EasyEdit's MEND trainer first",
    ],
  },
};
