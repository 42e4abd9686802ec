// Experiment → EasyEdit hyper-parameters, field by field (docs/easyedit.md
// holds the same mapping as a table). Every Experiment setting either lands
// in an EasyEdit field, goes to run.py's own config, or comes back as a
// warning saying it has no counterpart: nothing is dropped silently.
import { ARCHITECTURES, defaultModel, guessArch, knownModel, type ArchId, type KnownModel } from './architectures.ts';
import type { ExportExperiment, ExportMethodName } from './method-fields.ts';
import type { YamlValue } from './yaml.ts';

/** EasyEdit's alg_name (also its hparams/<dir>) and hyper-parameter class per method. */
export const EASYEDIT_ALGS: Record<ExportMethodName, { alg_name: string; hparams_class: string }> = {
  rome: { alg_name: 'ROME', hparams_class: 'ROMEHyperParams' },
  'c-rome': { alg_name: 'R-ROME', hparams_class: 'R_ROMEHyperParams' },
  memit: { alg_name: 'MEMIT', hparams_class: 'MEMITHyperParams' },
  'ft-l': { alg_name: 'FT', hparams_class: 'FTHyperParams' },
  alphaedit: { alg_name: 'AlphaEdit', hparams_class: 'AlphaEditHyperParams' },
  mend: { alg_name: 'MEND', hparams_class: 'MENDHyperParams' },
};

export interface ModelOptions {
  /** The family, when the id does not say it. */
  arch?: ArchId;
  /** The depth, when the model is not one we know. */
  nLayer?: number;
}

export interface EasyEditHparams {
  alg_name: string;
  hparams_class: string;
  fields: Record<string, YamlValue>;
  /** Settings with no EasyEdit counterpart (or only an approximate one). */
  warnings: string[];
  /** How a setting was mapped where it is not one-to-one (written into the YAML's header). */
  notes: string[];
}

export class ExportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ExportError';
  }
}

export function resolveModel(modelId: string, opts: ModelOptions): KnownModel {
  const known = knownModel(modelId);
  if (known && opts.nLayer === undefined && (opts.arch === undefined || opts.arch === known.arch)) return known;
  const arch = opts.arch ?? known?.arch ?? guessArch(modelId);
  if (!arch) throw new ExportError(`cannot tell the architecture of "${modelId}": pass --arch gpt2|gptj|llama (where its MLP weights live) and --n-layer N`);
  const nLayer = opts.nLayer ?? known?.nLayer;
  if (nLayer === undefined) throw new ExportError(`the depth of "${modelId}" is unknown: pass --n-layer N (its num_hidden_layers)`);
  return defaultModel(arch, nLayer);
}

const STATS_DATASETS: Record<string, string> = { wikitext2: 'wikitext', wikitext: 'wikitext', wikipedia: 'wikipedia' };

export function toEasyEditHparams(exp: ExportExperiment, opts: ModelOptions = {}): EasyEditHparams {
  const m = exp.method;
  const model = resolveModel(exp.model, opts);
  const arch = ARCHITECTURES[model.arch];
  const { alg_name, hparams_class } = EASYEDIT_ALGS[m.name];
  const warnings: string[] = [];
  const notes: string[] = [`Exported by Butterfly Lab from an Experiment (method ${m.name}, model ${exp.model}).`, `Default layers: ${model.source}.`];
  const checkLayers = (ls: number[]) => {
    for (const l of ls) if (l >= model.nLayer) throw new ExportError(`layer ${l} does not exist in a ${model.nLayer}-layer model`);
    return ls;
  };
  const modules = {
    rewrite_module_tmp: arch.rewrite_module_tmp,
    layer_module_tmp: arch.layer_module_tmp,
    mlp_module_tmp: arch.mlp_module_tmp,
    attn_module_tmp: arch.attn_module_tmp,
    ln_f_module: arch.ln_f_module,
    lm_head_module: arch.lm_head_module,
  };
  if (exp.model.startsWith('.') || exp.model.startsWith('/') || exp.model.startsWith('public/')) warnings.push(`model "${exp.model}" is a local folder: it must exist at that path on the GPU node (model_name is written as given)`);

  // ---- The v* / statistics fields shared by ROME, R-ROME, MEMIT and AlphaEdit ----
  const rankOne = m.name === 'rome' || m.name === 'c-rome';
  const locate = m.name === 'memit' || m.name === 'alphaedit';
  const vStar = (clampDefault: number) => ({
    fact_token: 'subject_last',
    v_num_grad_steps: m.v_num_grad_steps ?? 20,
    v_lr: { float: m.v_lr ?? 0.5 },
    v_loss_layer: model.nLayer - 1,
    v_weight_decay: { float: m.v_weight_decay ?? 0.5 },
    clamp_norm_factor: { float: m.clamp_norm_factor ?? clampDefault },
    kl_factor: { float: m.kl_factor ?? 0.0625 },
    mom2_adjustment: m.mom2_adjustment ?? true,
  });
  const stats = () => {
    let mom2_dataset = 'wikipedia';
    const mom2_n_samples = 100000;
    const s = exp.stats;
    if (s && 'texts' in s) {
      const ds = STATS_DATASETS[s.texts];
      if (ds) mom2_dataset = ds;
      else warnings.push(`stats.texts "${s.texts}": EasyEdit's layer_stats reads only "wikipedia" or "wikitext" (Hugging Face datasets); wikipedia is used`);
      if (s.texts === 'wikitext2') warnings.push('stats.texts "wikitext2": EasyEdit\'s "wikitext" is wikitext-103-raw-v1 train, not the lab\'s WikiText-2 test articles');
      if (s.max_tokens !== undefined) warnings.push(`stats.max_tokens ${s.max_tokens}: no counterpart (EasyEdit's mom2_n_samples counts texts, not tokens); mom2_n_samples stays ${mom2_n_samples}`);
    } else if (s && 'ids' in s) {
      warnings.push(`stats.ids (${s.ids.length} token sequences): no counterpart; EasyEdit computes C from ${mom2_dataset} (mom2_dataset, mom2_n_samples)`);
    } else if (s && 'npz' in s) {
      warnings.push(`stats.npz "${s.npz}": EasyEdit reads precomputed statistics only from stats_dir (<stats_dir>/<model>/${mom2_dataset}_stats/<layer module>_float32_mom2_${mom2_n_samples}.npz, ROME's layout): place the file there, or EasyEdit recomputes C`);
    } else notes.push(`No stats in the experiment: EasyEdit computes C over ${mom2_n_samples} ${mom2_dataset} texts (the lab's defaults differ).`);
    return { mom2_dataset, mom2_n_samples, mom2_dtype: 'float32' };
  };
  const common = { alg_name, device: 0, model_name: exp.model };
  if (rankOne || locate) {
    if (m.context_templates) warnings.push(`method.context_templates (${m.context_templates.length} templates): no counterpart; EasyEdit samples its own prefixes from the model (context_template_length_params ${rankOne ? '[[5, 10], [10, 10]]' : 'fixed in its code'})`);
    if (m.template_seed !== undefined) warnings.push(`method.template_seed ${m.template_seed}: no counterpart; EasyEdit seeds its sampling with its own global seed (42)`);
  } else {
    for (const k of ['v_num_grad_steps', 'v_lr', 'v_weight_decay', 'clamp_norm_factor', 'mom2_adjustment', 'context_templates', 'template_seed'] as const) {
      if (m[k] !== undefined) warnings.push(`method.${k}: not a setting of ${alg_name}; ignored`);
    }
    if (m.kl_factor !== undefined && m.name === 'mend') warnings.push('method.kl_factor: not a setting of MEND at edit time; ignored');
    if (exp.stats) warnings.push(`stats: ${alg_name} uses no key covariance; ignored`);
  }
  if (!rankOne && m.layer !== undefined && m.layers === undefined) warnings.push(`method.layer ${m.layer}: ${alg_name} edits a list of layers (method.layers); the single layer is used as [${m.layer}]`);
  const layersOr = (dflt: number[]) => checkLayers(m.layers ?? (m.layer !== undefined ? [m.layer] : dflt));

  let fields: Record<string, YamlValue>;
  if (rankOne) {
    if (m.layers !== undefined) warnings.push(`method.layers: ${alg_name} edits one layer; method.layer (or the first of layers) is used`);
    const layer = checkLayers([m.layer ?? m.layers?.[0] ?? model.romeLayer]);
    fields = {
      layers: layer,
      ...vStar(4),
      context_template_length_params: [[5, 10], [10, 10]],
      ...modules,
      ...stats(),
      ...common,
      stats_dir: './data/stats',
      max_length: 40,
      model_parallel: false,
      fp16: false,
      enable_prompt_keys: false,
      enable_random_prefix_keys: true,
      // ROME: the original update (prefixed key in u, unprefixed key in the denominator and residual);
      // C-ROME: r-ROME's consistent keys (the template average everywhere).
      original_implementation: m.name === 'rome',
    };
    if (m.name === 'c-rome') {
      notes.push("C-ROME is exported as EasyEdit's R-ROME (r-ROME, Gupta et al. 2024, \"Rebuilding ROME\"): original_implementation false, enable_random_prefix_keys true — the template-averaged key in u, the denominator and the residual.");
      warnings.push('c-rome: efficacy scored with a random prefixed template (the lab\'s C-ROME evaluation) has no counterpart; run.py scores ME-PPL, tasks and target NLLs on the plain prompt');
    }
  } else if (locate) {
    const lambda = m.mom2_update_weight ?? (model.arch === 'llama' ? 15000 : 20000);
    fields = {
      layers: layersOr(model.memitLayers),
      layer_selection: 'all',
      ...vStar(0.75),
      mom2_update_weight: { float: lambda },
      ...modules,
      ...stats(),
      ...(m.name === 'alphaedit' ? { nullspace_threshold: { float: m.nullspace_threshold ?? 2e-2 }, L2: { float: m.L2 ?? 10 } } : {}),
      ...common,
      stats_dir: './data/stats',
      ...(m.name === 'alphaedit' ? { P_loc: `./null_space_project-${exp.model.replace(/[^\w.-]+/g, '_')}.pt` } : {}),
      max_length: m.name === 'alphaedit' ? 40 : 30,
      batch_size: m.batch_size ?? 1,
      ...(m.name === 'alphaedit' ? { model_parallel: false } : {}),
    };
    if (m.name === 'alphaedit') {
      if (m.mom2_update_weight !== undefined) warnings.push('method.mom2_update_weight: AlphaEdit\'s update does not use λ (it has L2 = α); written but unused');
      notes.push('P_loc: EasyEdit computes the null-space projector P for this model on first use and saves it there.');
    } else if (m.nullspace_threshold !== undefined || m.L2 !== undefined) warnings.push('method.nullspace_threshold / L2: AlphaEdit settings, not MEMIT\'s; ignored');
  } else if (m.name === 'ft-l') {
    fields = {
      layers: layersOr([0]),
      num_steps: m.num_steps ?? 25,
      lr: { float: m.lr ?? 5e-4 },
      weight_decay: { float: 0 },
      kl_factor: { float: 0 },
      // Absent ε = unconstrained FT, written as EasyEdit's unconstrained configs do.
      norm_constraint: m.norm_constraint === undefined ? false : { float: m.norm_constraint },
      ...modules,
      device: 0,
      alg_name,
      model_name: exp.model,
      objective_optimization: 'prompt_last',
      batch_size: m.batch_size ?? 1,
      max_length: 40,
      model_parallel: false,
    };
    notes.push("FT-L∞'s loss at the last prompt position is EasyEdit's objective_optimization \"prompt_last\".");
  } else {
    const lastThree = [model.nLayer - 3, model.nLayer - 2, model.nLayer - 1];
    const layers = layersOr(lastThree);
    if (!m.editor) warnings.push('method.editor is unset: archive points at EasyEdit\'s default results folder; train an editor there with EasyEdit\'s MEND trainer first');
    else warnings.push(`method.editor "${m.editor}": EasyEdit loads a MEND archive it trained itself (a PyTorch checkpoint); the lab's safetensors editors are not that format — set archive to an EasyEdit-trained editor for this model`);
    fields = {
      model_class: arch.model_class,
      tokenizer_class: arch.tokenizer_class,
      tokenizer_name: exp.model,
      inner_params: layers.flatMap((l) => arch.mend_params.map((p) => p.replace('{}', String(l)))),
      archive: m.editor ?? `./results/models/MEND/${exp.model.split('/').pop()}`,
      lr: { float: 1e-6 },
      edit_lr: { float: m.edit_lr ?? 1e-4 },
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
      alg_name,
      model_name: exp.model,
      batch_size: 1,
      max_length: 40,
      max_output_length: null,
      max_epochs: null,
      max_iters: 100000,
      model_parallel: false,
    };
    notes.push("MEND's editor settings (rank, init, lr_lr, …) are EasyEdit's GPT-2 XL defaults: they describe the trained editor and must match the archive.");
  }
  if (m.batch_size !== undefined && !locate && m.name !== 'ft-l') warnings.push(`method.batch_size: ${alg_name} edits one request at a time in EasyEdit; ignored`);
  return { alg_name, hparams_class, fields, warnings, notes };
}
