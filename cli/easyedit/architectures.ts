// Where the edited weights live in each model family EasyEdit edits (its
// hparams/*.yaml module templates), and the depth and default layers of the
// models we know. Any other Hugging Face causal-LM id exports when its family
// is given (--arch) with its depth (--n-layer).
import { defaultRomeLayer } from '../../models/editing/rome-hparams.ts';

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
  /** ROME's layer; MEMIT/AlphaEdit's layers (official configs where they exist). */
  romeLayer: number;
  memitLayers: number[];
  /** Where the layers come from, for the export's notes. */
  source: string;
}

const range = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, i) => a + i);

/** Matched against the model id's last path part, lower-cased. */
const KNOWN: { pattern: RegExp; model: KnownModel }[] = [
  { pattern: /^gpt2-xl$/, model: { arch: 'gpt2', nLayer: 48, romeLayer: 17, memitLayers: range(13, 17), source: 'ROME/MEMIT official GPT-2 XL configs' } },
  { pattern: /^gpt2-large$/, model: { arch: 'gpt2', nLayer: 36, romeLayer: 12, memitLayers: range(8, 12), source: "ROME's layer for GPT-2 large; MEMIT's five layers ending there" } },
  { pattern: /^gpt2-medium$/, model: { arch: 'gpt2', nLayer: 24, romeLayer: 8, memitLayers: range(4, 8), source: "ROME's layer for GPT-2 medium; MEMIT's five layers ending there" } },
  { pattern: /^(gpt2|distilgpt2)$/, model: { arch: 'gpt2', nLayer: 12, romeLayer: defaultRomeLayer(12), memitLayers: range(1, 5), source: "the lab's GPT-2 small layer (rome-hparams.ts); MEMIT's five layers ending there" } },
  { pattern: /^gpt-j-6b$/, model: { arch: 'gptj', nLayer: 28, romeLayer: 5, memitLayers: range(3, 8), source: 'ROME/MEMIT official GPT-J configs' } },
  { pattern: /^llama-2-7b(-hf|-chat-hf)?$|^llama-7b$/, model: { arch: 'llama', nLayer: 32, romeLayer: 5, memitLayers: range(4, 8), source: "EasyEdit's hparams/ROME|MEMIT/llama-7b.yaml" } },
  { pattern: /^(meta-)?llama-3(\.1)?-8b(-instruct)?$/, model: { arch: 'llama', nLayer: 32, romeLayer: 5, memitLayers: range(4, 8), source: "EasyEdit's hparams/AlphaEdit/llama3-8b.yaml layers" } },
  { pattern: /^mistral-7b/, model: { arch: 'llama', nLayer: 32, romeLayer: 5, memitLayers: range(4, 8), source: 'the Llama-7B layers (same depth)' } },
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

/** Depth-relative defaults for a model we have no config for. */
export function defaultModel(arch: ArchId, nLayer: number): KnownModel {
  const rome = defaultRomeLayer(nLayer);
  return { arch, nLayer, romeLayer: rome, memitLayers: range(Math.max(0, rome - 4), rome), source: `no official config: ROME's relative depth (17 of 48) for ${nLayer} layers, MEMIT's five layers ending there` };
}
