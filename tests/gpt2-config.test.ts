// config.json parsing and validation, and the model-size presets.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Gpt2ConfigError, gpt2ConfigToJson, parseGpt2Config } from '../models/gpt2/config.ts';
import { parseSafetensorsHeader } from '../models/gpt2/safetensors.ts';
import { GPT2_PRESETS, gpt2ParameterCount, gpt2Preset } from '../models/gpt2/presets.ts';

const TINY = readFileSync(new URL('../public/models/tiny-gpt2/config.json', import.meta.url), 'utf8');
const tinyWith = (patch: Record<string, unknown>) => ({ ...JSON.parse(TINY), ...patch });

function configError(input: unknown): string {
  try {
    parseGpt2Config(input);
  } catch (e) {
    expect(e).toBeInstanceOf(Gpt2ConfigError);
    return (e as Error).message;
  }
  throw new Error('expected a Gpt2ConfigError');
}

describe('parseGpt2Config', () => {
  it('reads the tiny fixture config', () => {
    expect(parseGpt2Config(TINY)).toEqual({
      nEmbd: 64,
      nLayer: 4,
      nHead: 4,
      nPositions: 128,
      vocabSize: 50257,
      nInner: 256,
      layerNormEpsilon: 1e-5,
      activationFunction: 'gelu_new',
      headDim: 16,
    });
  });

  it('accepts an explicit n_inner and parsed objects', () => {
    expect(parseGpt2Config(tinyWith({ n_inner: 100 })).nInner).toBe(100);
    expect(parseGpt2Config(tinyWith({ layer_norm_epsilon: 1e-6 })).layerNormEpsilon).toBe(1e-6);
  });

  it('round-trips through gpt2ConfigToJson', () => {
    const c = parseGpt2Config(TINY);
    expect(parseGpt2Config(gpt2ConfigToJson(c))).toEqual(c);
    expect(gpt2ConfigToJson(c).n_inner).toBeNull();
  });

  it('rejects malformed JSON and non-objects', () => {
    expect(configError('{"model_type": "gpt2",')).toMatch(/GPT-2 config: config.json is not valid JSON/);
    expect(configError('[1]')).toMatch(/must contain a JSON object/);
    expect(configError(null)).toMatch(/must contain a JSON object/);
  });

  it('names missing or invalid fields', () => {
    const noEmbd = tinyWith({});
    delete noEmbd.n_embd;
    expect(configError(noEmbd)).toMatch(/missing field "n_embd"/);
    expect(configError(tinyWith({ n_layer: 0 }))).toMatch(/"n_layer" must be a positive integer, got 0/);
    expect(configError(tinyWith({ n_head: '4' }))).toMatch(/"n_head" must be a positive integer, got "4"/);
    expect(configError(tinyWith({ vocab_size: 50257.5 }))).toMatch(/"vocab_size" must be a positive integer/);
    expect(configError(tinyWith({ n_inner: -1 }))).toMatch(/"n_inner" must be a positive integer, got -1/);
    expect(configError(tinyWith({ layer_norm_epsilon: 0 }))).toMatch(/"layer_norm_epsilon" must be a positive number/);
  });

  it('rejects other architectures and activations clearly', () => {
    expect(configError(tinyWith({ model_type: 'llama' }))).toMatch(/"model_type" must be "gpt2", got "llama": only GPT-2 runs on this engine; other causal LMs run with EasyEdit/);
    expect(configError(tinyWith({ activation_function: 'gelu' }))).toMatch(/"activation_function" must be "gelu_new" .* got "gelu"/);
    expect(configError(tinyWith({ activation_function: 'relu' }))).toMatch(/got "relu"/);
    expect(configError(tinyWith({ n_head: 5 }))).toMatch(/"n_embd" \(64\) must be divisible by "n_head" \(5\)/);
    expect(configError(tinyWith({ tie_word_embeddings: false }))).toMatch(/"tie_word_embeddings" = false is not supported/);
    expect(configError(tinyWith({ scale_attn_by_inverse_layer_idx: true }))).toMatch(/scale_attn_by_inverse_layer_idx/);
  });
});

describe('presets', () => {
  it('have the published dimensions and parameter counts', () => {
    const dims = GPT2_PRESETS.map((p) => [p.id, p.config.nEmbd, p.config.nLayer, p.config.nHead, p.parameterCount]);
    expect(dims).toEqual([
      ['gpt2', 768, 12, 12, 124_439_808],
      ['gpt2-medium', 1024, 24, 16, 354_823_168],
      ['gpt2-large', 1280, 36, 20, 774_030_080],
      ['gpt2-xl', 1600, 48, 25, 1_557_611_200],
    ]);
    for (const p of GPT2_PRESETS) {
      expect(p.config).toMatchObject({ vocabSize: 50257, nPositions: 1024, nInner: 4 * p.config.nEmbd, headDim: 64 });
      expect(p.bytesF32).toBe(4 * p.parameterCount);
      expect(p.bytesF16).toBe(2 * p.parameterCount);
      // A preset's config is a valid config.
      expect(parseGpt2Config(gpt2ConfigToJson(p.config))).toEqual(p.config);
    }
    expect(gpt2Preset('gpt2-medium').hfRepo).toBe('openai-community/gpt2-medium');
  });

  it('counts the tiny model as its safetensors file holds', () => {
    const file = new Uint8Array(readFileSync(new URL('../public/models/tiny-gpt2/model.safetensors', import.meta.url)));
    const inFile = parseSafetensorsHeader(file).tensors.reduce((n, t) => n + t.numel, 0);
    expect(gpt2ParameterCount(parseGpt2Config(TINY))).toBe(inFile);
    expect(inFile).toBe(3_424_704);
  });
});
