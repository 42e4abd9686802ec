// GPT-2 hyper-parameters from a Hugging Face config.json, validated so that a bad file
// fails here with a message naming the field, not later as a shape error on the GPU.
import { END_OF_TEXT_ID } from '../defaults.ts';

export interface Gpt2Config {
  /** Model width d (hidden size). */
  nEmbd: number;
  nLayer: number;
  /** The edit layer the model's own folder names (config.json "butterfly_lab.edit_layer", from causal tracing); the lab's default layer. */
  editLayer?: number;
  nHead: number;
  /** Maximum sequence length (rows of wpe). */
  nPositions: number;
  /** 50257 for the GPT-2 BPE. */
  vocabSize: number;
  /** MLP width f; HF's `n_inner: null` means 4·n_embd. */
  nInner: number;
  layerNormEpsilon: number;
  /** Only gelu_new (the tanh approximation) is implemented. */
  activationFunction: 'gelu_new';
  /** nEmbd / nHead. */
  headDim: number;
}

export class Gpt2ConfigError extends Error {
  constructor(message: string) {
    super(`GPT-2 config: ${message}`);
    this.name = 'Gpt2ConfigError';
  }
}

function positiveInt(raw: Record<string, unknown>, key: string): number {
  const v = raw[key];
  if (v === undefined) throw new Gpt2ConfigError(`missing field "${key}"`);
  if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) {
    throw new Gpt2ConfigError(`"${key}" must be a positive integer, got ${JSON.stringify(v)}`);
  }
  return v;
}

/** A boolean flag whose only supported value is `expected`; absent means HF's default. */
function requireFlag(raw: Record<string, unknown>, key: string, expected: boolean, why: string): void {
  const v = raw[key];
  if (v !== undefined && v !== expected) throw new Gpt2ConfigError(`"${key}" = ${JSON.stringify(v)} is not supported (${why})`);
}

/** Parses config.json text, or validates an already-parsed object. */
export function parseGpt2Config(json: string | unknown): Gpt2Config {
  let raw: unknown = json;
  if (typeof json === 'string') {
    try {
      raw = JSON.parse(json);
    } catch (e) {
      throw new Gpt2ConfigError(`config.json is not valid JSON (${(e as Error).message})`);
    }
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new Gpt2ConfigError('config.json must contain a JSON object');
  }
  const obj = raw as Record<string, unknown>;

  if (obj.model_type !== 'gpt2') {
    // Any causal LM may be named for export; say where such a model runs instead.
    throw new Gpt2ConfigError(`"model_type" must be "gpt2", got ${JSON.stringify(obj.model_type)?.slice(0, 40)}: only GPT-2 runs on this engine; other causal LMs run with EasyEdit on a GPU node (lab export easyedit, docs/easyedit.md)`);
  }
  const nEmbd = positiveInt(obj, 'n_embd');
  const nLayer = positiveInt(obj, 'n_layer');
  const nHead = positiveInt(obj, 'n_head');
  const nPositions = positiveInt(obj, 'n_positions');
  const vocabSize = positiveInt(obj, 'vocab_size');
  const nInner = obj.n_inner === null || obj.n_inner === undefined ? 4 * nEmbd : positiveInt(obj, 'n_inner');
  if (nEmbd % nHead !== 0) throw new Gpt2ConfigError(`"n_embd" (${nEmbd}) must be divisible by "n_head" (${nHead})`);

  const eps = obj.layer_norm_epsilon ?? 1e-5; // HF's GPT2Config default
  if (typeof eps !== 'number' || !(eps > 0) || !Number.isFinite(eps)) {
    throw new Gpt2ConfigError(`"layer_norm_epsilon" must be a positive number, got ${JSON.stringify(eps)}`);
  }
  const act = obj.activation_function ?? 'gelu_new'; // HF's GPT2Config default
  if (act !== 'gelu_new') {
    throw new Gpt2ConfigError(`"activation_function" must be "gelu_new" (the tanh GELU GPT-2 uses), got ${JSON.stringify(act)}`);
  }
  requireFlag(obj, 'tie_word_embeddings', true, 'the LM head is read from wte');
  requireFlag(obj, 'scale_attn_weights', true, 'attention is scaled by 1/sqrt(head_dim)');
  requireFlag(obj, 'scale_attn_by_inverse_layer_idx', false, 'no per-layer attention scaling is implemented');
  requireFlag(obj, 'add_cross_attention', false, 'decoder-only GPT-2 is implemented');

  // Our own key (HF ignores unknown ones): the edit layer causal tracing picked for this model.
  const lab = obj.butterfly_lab as { edit_layer?: unknown } | undefined;
  let editLayer: number | undefined;
  if (lab !== undefined) {
    if (lab === null || typeof lab !== 'object' || !Number.isInteger(lab.edit_layer) || (lab.edit_layer as number) < 0 || (lab.edit_layer as number) >= nLayer) {
      throw new Gpt2ConfigError(`"butterfly_lab.edit_layer" must be a layer index in 0..${nLayer - 1}, got ${JSON.stringify(lab?.edit_layer)}`);
    }
    editLayer = lab.edit_layer as number;
  }
  return { nEmbd, nLayer, nHead, nPositions, vocabSize, nInner, layerNormEpsilon: eps, activationFunction: 'gelu_new', headDim: nEmbd / nHead, ...(editLayer !== undefined ? { editLayer } : {}) };
}

/** Back to HF config.json fields (for saving an edited model next to its weights). */
export function gpt2ConfigToJson(config: Gpt2Config): Record<string, unknown> {
  return {
    architectures: ['GPT2LMHeadModel'],
    model_type: 'gpt2',
    vocab_size: config.vocabSize,
    n_positions: config.nPositions,
    n_ctx: config.nPositions,
    n_embd: config.nEmbd,
    n_layer: config.nLayer,
    n_head: config.nHead,
    n_inner: config.nInner === 4 * config.nEmbd ? null : config.nInner,
    activation_function: config.activationFunction,
    layer_norm_epsilon: config.layerNormEpsilon,
    tie_word_embeddings: true,
    bos_token_id: END_OF_TEXT_ID,
    eos_token_id: END_OF_TEXT_ID,
    ...(config.editLayer !== undefined ? { butterfly_lab: { edit_layer: config.editLayer } } : {}),
  };
}
