// Where the edited weights live in each model family EasyEdit edits (its
// hparams/*.yaml module templates), and the depth of the models we know with
// their official settings where those differ from the settings table's
// (GPT-2) defaults. Any other Hugging Face causal-LM id exports when its
// family is given (--arch) with its depth (--n-layer).
import type { MethodName } from '../../models/method-names.ts';
import type { SettingValue } from '../../models/settings-table.ts';

export type ArchId = 'gpt2' | 'gptj' | 'llama';

export interface Architecture {
  id: ArchId;
  /** EasyEdit's module templates, "{}" = layer index. */
  rewrite_module_tmp: string;
  layer_module_tmp: string;
  mlp_module_tmp: string;
  attn_module_tmp: string;
  ln_f_module: string;
  lm_head_module: string;
  /** MEND's inner_params per layer (the MLP weights), "{}" = layer index. */
  mend_params: string[];
  model_class: string;
  tokenizer_class: string;
}

export const ARCHITECTURES: Record<ArchId, Architecture> = {
  gpt2: {
    id: 'gpt2',
    rewrite_module_tmp: 'transformer.h.{}.mlp.c_proj',
    layer_module_tmp: 'transformer.h.{}',
    mlp_module_tmp: 'transformer.h.{}.mlp',
    attn_module_tmp: 'transformer.h.{}.attn',
    ln_f_module: 'transformer.ln_f',
    lm_head_module: 'transformer.wte',
    mend_params: ['transformer.h.{}.mlp.c_proj.weight', 'transformer.h.{}.mlp.c_fc.weight'],
    model_class: 'GPT2LMHeadModel',
    tokenizer_class: 'GPT2Tokenizer',
  },
  gptj: {
    id: 'gptj',
    rewrite_module_tmp: 'transformer.h.{}.mlp.fc_out',
    layer_module_tmp: 'transformer.h.{}',
    mlp_module_tmp: 'transformer.h.{}.mlp',
    attn_module_tmp: 'transformer.h.{}.attn',
    ln_f_module: 'transformer.ln_f',
    lm_head_module: 'lm_head',
    mend_params: ['transformer.h.{}.mlp.fc_in.weight', 'transformer.h.{}.mlp.fc_out.weight'],
    model_class: 'GPTJForCausalLM',
    tokenizer_class: 'AutoTokenizer',
  },
  llama: {
    id: 'llama',
    rewrite_module_tmp: 'model.layers.{}.mlp.down_proj',
    layer_module_tmp: 'model.layers.{}',
    mlp_module_tmp: 'model.layers.{}.mlp',
    attn_module_tmp: 'model.layers.{}.self_attn',
    ln_f_module: 'model.norm',
    lm_head_module: 'lm_head',
    mend_params: ['model.layers.{}.mlp.gate_proj.weight', 'model.layers.{}.mlp.up_proj.weight', 'model.layers.{}.mlp.down_proj.weight'],
    model_class: 'AutoModelForCausalLM',
    tokenizer_class: 'AutoTokenizer',
  },
};

export interface KnownModel {
  arch: ArchId;
  nLayer: number;
  /**
   * EasyEdit's (or ROME/MEMIT's) official values for this model, by settings
   * key, where they differ from the settings table's depth-relative defaults
   * (which are GPT-2's): for every method, then per method.
   */
  official: { all?: Record<string, SettingValue> } & Partial<Record<MethodName, Record<string, SettingValue>>>;
  /** The edit layer the model's folder names (causal tracing), which the table's layer defaults take. */
  editLayer?: number;
  /** Where the defaults come from, for the export's notes. */
  source: string;
}

const range = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, i) => a + i);
const TABLE = "the settings table's defaults for GPT-2 (docs/settings.md)";
/** EasyEdit's hparams/{ROME,MEMIT,AlphaEdit,MEND}/{gpt-j-6B,llama-7b}.yaml: ROME layer 5, λ 15000, and per method its layers. */
const sevenB = (memit: number[], mend: number[]) => ({
  all: { 'method.layer': 5, 'method.mom2_update_weight': 15000 },
  memit: { 'method.layers': memit },
  alphaedit: { 'method.layers': memit },
  mend: { 'method.layers': mend },
});

/** Matched against the model id's last path part, lower-cased. */
const KNOWN: { pattern: RegExp; model: KnownModel }[] = [
  { pattern: /^gpt2-xl$/, model: { arch: 'gpt2', nLayer: 48, official: {}, source: `${TABLE}, which are the official GPT-2 XL configs` } },
  { pattern: /^gpt2-large$/, model: { arch: 'gpt2', nLayer: 36, official: {}, source: TABLE } },
  { pattern: /^gpt2-medium$/, model: { arch: 'gpt2', nLayer: 24, official: {}, source: TABLE } },
  { pattern: /^(gpt2|distilgpt2)$/, model: { arch: 'gpt2', nLayer: 12, official: {}, source: TABLE } },
  { pattern: /^gpt-j-6b$/, model: { arch: 'gptj', nLayer: 28, official: sevenB(range(3, 8), range(25, 27)), source: 'ROME/MEMIT/EasyEdit official GPT-J configs, else ' + TABLE } },
  { pattern: /^llama-2-7b(-hf|-chat-hf)?$|^llama-7b$/, model: { arch: 'llama', nLayer: 32, official: sevenB(range(4, 8), range(29, 31)), source: "EasyEdit's hparams/*/llama-7b.yaml, else " + TABLE } },
  { pattern: /^(meta-)?llama-3(\.1)?-8b(-instruct)?$/, model: { arch: 'llama', nLayer: 32, official: sevenB(range(4, 8), range(29, 31)), source: "EasyEdit's hparams/AlphaEdit/llama3-8b.yaml layers and the Llama-7B configs, else " + TABLE } },
  { pattern: /^mistral-7b/, model: { arch: 'llama', nLayer: 32, official: sevenB(range(4, 8), range(29, 31)), source: 'the Llama-7B configs (same depth), else ' + TABLE } },
];

/** The family from the id alone, when it says it. */
export function guessArch(modelId: string): ArchId | null {
  const id = modelId.toLowerCase();
  if (/gpt-?2/.test(id)) return 'gpt2';
  if (/gpt-j/.test(id)) return 'gptj';
  if (/llama|mistral|qwen/.test(id)) return 'llama';
  return null;
}

export function knownModel(modelId: string): KnownModel | null {
  const last = modelId.replace(/\/+$/, '').split('/').pop()!.toLowerCase();
  return KNOWN.find((k) => k.pattern.test(last))?.model ?? null;
}

/** A model we have no config for: the table's depth-relative defaults. */
export function defaultModel(arch: ArchId, nLayer: number, editLayer?: number): KnownModel {
  const where = editLayer === undefined ? `relative to ${nLayer} layers` : `for ${nLayer} layers, at the edit layer ${editLayer} the model's config.json names`;
  return { arch, nLayer, official: {}, ...(editLayer === undefined ? {} : { editLayer }), source: `no official config: ${TABLE}, ${where}` };
}

/** The official value of a setting for this model and method, when there is one. */
export function officialDefault(k: KnownModel, method: MethodName, key: string): SettingValue | undefined {
  return k.official[method]?.[key] ?? k.official.all?.[key];
}
