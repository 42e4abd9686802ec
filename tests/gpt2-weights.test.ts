// The GPT-2 weight layout check: names, shapes and dtypes against a config, all problems at once.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseGpt2Config, type Gpt2Config } from '../models/gpt2/config.ts';
import { parseSafetensorsHeader, type SafetensorsDtype } from '../models/gpt2/safetensors.ts';
import { writeSafetensors } from '../models/gpt2/safetensors-write.ts';
import { Gpt2WeightsError, checkGpt2Weights, gpt2WeightSpecs, normalizeGpt2TensorName } from '../models/gpt2/weights.ts';
import { thrown } from './helpers/thrown.ts';

const TINY_CONFIG = parseGpt2Config(readFileSync(new URL('../public/models/tiny-gpt2/config.json', import.meta.url), 'utf8'));
// A small config so synthetic files stay tiny; d=64 keeps the fixture's message shapes.
const SMALL: Gpt2Config = parseGpt2Config({ model_type: 'gpt2', n_embd: 64, n_layer: 4, n_head: 4, n_positions: 8, vocab_size: 10, n_inner: null });

interface FakeTensor {
  name: string;
  shape: number[];
  dtype?: SafetensorsDtype;
}

/** A header for tensors with zero-filled data, built by the real writer. */
function headerOf(tensors: FakeTensor[]) {
  const size = { F32: 4, F16: 2, BF16: 2, I64: 8 } as Record<string, number>;
  const file = writeSafetensors(
    tensors.map((t) => {
      const dtype = t.dtype ?? 'F32';
      return { name: t.name, dtype, shape: t.shape, data: new Uint8Array(t.shape.reduce((a, b) => a * b, 1) * size[dtype]!) };
    }),
  );
  return parseSafetensorsHeader(file);
}

function weightsError(tensors: FakeTensor[], config: Gpt2Config = SMALL): Gpt2WeightsError {
  return thrown(() => checkGpt2Weights(headerOf(tensors), config), Gpt2WeightsError);
}

describe('GPT-2 weight layout', () => {
  it('lists the canonical tensors with config shapes', () => {
    const specs = gpt2WeightSpecs(TINY_CONFIG);
    expect(specs.length).toBe(2 + 12 * 4 + 2);
    const byName = new Map(specs.map((s) => [s.name, s.shape]));
    expect(byName.get('wte.weight')).toEqual([50257, 64]);
    expect(byName.get('wpe.weight')).toEqual([128, 64]);
    expect(byName.get('h.2.attn.c_attn.weight')).toEqual([64, 192]);
    expect(byName.get('h.2.attn.c_attn.bias')).toEqual([192]);
    expect(byName.get('h.2.attn.c_proj.weight')).toEqual([64, 64]);
    expect(byName.get('h.3.mlp.c_fc.weight')).toEqual([64, 256]);
    expect(byName.get('h.3.mlp.c_proj.weight')).toEqual([256, 64]);
    expect(byName.get('ln_f.bias')).toEqual([64]);
  });

  it('normalises names', () => {
    expect(normalizeGpt2TensorName('transformer.h.0.ln_1.weight')).toBe('h.0.ln_1.weight');
    expect(normalizeGpt2TensorName('wte.weight')).toBe('wte.weight');
    expect(normalizeGpt2TensorName('h.11.attn.bias')).toBeNull();
    expect(normalizeGpt2TensorName('transformer.h.3.attn.masked_bias')).toBeNull();
    expect(normalizeGpt2TensorName('lm_head.weight')).toBeNull();
    expect(normalizeGpt2TensorName('h.0.attn.c_attn.bias')).toBe('h.0.attn.c_attn.bias');
  });

  it('accepts the fixture models (F32 and F16)', () => {
    for (const f of ['model.safetensors', 'model.f16.safetensors']) {
      const file = new Uint8Array(readFileSync(new URL(`../public/models/tiny-gpt2/${f}`, import.meta.url)));
      const index = checkGpt2Weights(parseSafetensorsHeader(file), TINY_CONFIG);
      expect(index.size).toBe(52);
    }
  });

  it('accepts HF-style names with transformer. prefix, mask buffers and a tied lm_head', () => {
    const tensors: FakeTensor[] = gpt2WeightSpecs(SMALL).map((s) => ({ name: `transformer.${s.name}`, shape: s.shape }));
    tensors.push({ name: 'transformer.h.0.attn.bias', shape: [1, 1, 8, 8] }, { name: 'h.1.attn.masked_bias', shape: [] }, { name: 'lm_head.weight', shape: [10, 64] });
    const index = checkGpt2Weights(headerOf(tensors), SMALL);
    expect(index.get('h.0.ln_1.weight')!.name).toBe('transformer.h.0.ln_1.weight');
    expect(index.size).toBe(gpt2WeightSpecs(SMALL).length);
  });

  it('reports a wrong shape in config terms', () => {
    const tensors: FakeTensor[] = gpt2WeightSpecs(SMALL).map((s) => (s.name === 'h.3.mlp.c_fc.weight' ? { name: s.name, shape: [64, 255] } : s));
    const e = weightsError(tensors);
    expect(e.problems).toEqual(['h.3.mlp.c_fc.weight has shape [64, 255], expected [64, 256] for n_embd=64']);
    expect(e.message).toMatch(/1 problem\):\n {2}h\.3\.mlp\.c_fc\.weight has shape \[64, 255\], expected \[64, 256\] for n_embd=64/);
  });

  it('reports every problem at once: missing, wrong dtype, unexpected, duplicate', () => {
    const tensors: FakeTensor[] = gpt2WeightSpecs(SMALL)
      .filter((s) => s.name !== 'ln_f.bias' && s.name !== 'h.0.ln_2.weight')
      .map((s) => (s.name === 'h.1.attn.c_proj.bias' ? { ...s, dtype: 'BF16' as const } : s));
    tensors.push({ name: 'h.4.ln_1.weight', shape: [64] }, { name: 'transformer.wpe.weight', shape: [8, 64] }, { name: 'h.2.attn.c_attn.bias', shape: [192], dtype: 'I64' });
    const e = weightsError(tensors.filter((t) => !(t.name === 'h.2.attn.c_attn.bias' && t.dtype === undefined)));
    expect(e.problems).toEqual([
      'wpe.weight appears twice (as "wpe.weight" and "transformer.wpe.weight")',
      'h.0.ln_2.weight is missing (expected shape [64])',
      'h.1.attn.c_proj.bias has dtype BF16, expected one of F32, F16',
      'h.2.attn.c_attn.bias has dtype I64, expected one of F32, F16',
      'ln_f.bias is missing (expected shape [64])',
      'h.4.ln_1.weight is not a GPT-2 tensor for n_layer=4 (wrong config or model?)',
    ]);
  });

  it('explains embedding shape mismatches with the relevant fields', () => {
    const e = weightsError(gpt2WeightSpecs(SMALL).map((s) => (s.name === 'wpe.weight' ? { name: s.name, shape: [16, 64] } : s)));
    expect(e.problems).toEqual(['wpe.weight has shape [16, 64], expected [8, 64] for n_positions=8, n_embd=64']);
  });
});
