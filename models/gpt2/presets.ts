// The four published GPT-2 sizes, as data for a model picker: dimensions, parameter
// count and the bytes their weights take in F32 and F16 (tensor data only, no header).
import type { Gpt2Config } from './config.ts';

export type Gpt2PresetId = 'gpt2' | 'gpt2-medium' | 'gpt2-large' | 'gpt2-xl';

export interface Gpt2Preset {
  id: Gpt2PresetId;
  /** Name for people, e.g. "GPT-2 Medium (355M)". */
  label: string;
  /** Hugging Face Hub repository holding the official weights. */
  hfRepo: string;
  config: Gpt2Config;
  parameterCount: number;
  bytesF32: number;
  bytesF16: number;
}

/** Parameters of a tied-embedding GPT-2: wte, wpe, n_layer blocks, ln_f. */
export function gpt2ParameterCount(c: Gpt2Config): number {
  const d = c.nEmbd;
  const f = c.nInner;
  const perBlock =
    2 * d + // ln_1
    d * 3 * d + 3 * d + // attn.c_attn
    d * d + d + // attn.c_proj
    2 * d + // ln_2
    d * f + f + // mlp.c_fc
    f * d + d; // mlp.c_proj
  return c.vocabSize * d + c.nPositions * d + c.nLayer * perBlock + 2 * d;
}

function standardConfig(nEmbd: number, nLayer: number, nHead: number): Gpt2Config {
  return {
    nEmbd,
    nLayer,
    nHead,
    nPositions: 1024,
    vocabSize: 50257,
    nInner: 4 * nEmbd,
    layerNormEpsilon: 1e-5,
    activationFunction: 'gelu_new',
    headDim: nEmbd / nHead,
  };
}

function preset(id: Gpt2PresetId, label: string, nEmbd: number, nLayer: number, nHead: number): Gpt2Preset {
  const config = standardConfig(nEmbd, nLayer, nHead);
  const parameterCount = gpt2ParameterCount(config);
  return { id, label, hfRepo: `openai-community/${id}`, config, parameterCount, bytesF32: parameterCount * 4, bytesF16: parameterCount * 2 };
}

export const GPT2_PRESETS: readonly Gpt2Preset[] = [
  preset('gpt2', 'GPT-2 Small (124M)', 768, 12, 12),
  preset('gpt2-medium', 'GPT-2 Medium (355M)', 1024, 24, 16),
  preset('gpt2-large', 'GPT-2 Large (774M)', 1280, 36, 20),
  preset('gpt2-xl', 'GPT-2 XL (1.5B)', 1600, 48, 25),
];

export function gpt2Preset(id: Gpt2PresetId): Gpt2Preset {
  const p = GPT2_PRESETS.find((x) => x.id === id);
  if (!p) throw new Error(`unknown GPT-2 preset "${id}"`);
  return p;
}
