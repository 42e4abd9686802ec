// The GPT-2 weight layout: which tensors a model needs, under which names and shapes,
// and a check of a safetensors header against a config that reports every problem at once.
// Projections are Conv1D, stored [in, out] so that y = x @ W + b.
import type { Gpt2Config } from './config.ts';
import type { SafetensorsDtype, SafetensorsHeader, SafetensorsTensorInfo } from './safetensors.ts';

export interface Gpt2WeightSpec {
  /** Canonical name, without the `transformer.` prefix (e.g. "h.3.mlp.c_fc.weight"). */
  name: string;
  shape: number[];
}

/** Dtypes the model layer loads; BF16 and others are parsed but not supported here. */
export const GPT2_WEIGHT_DTYPES: readonly SafetensorsDtype[] = ['F32', 'F16'];

/** Names of block i's tensors, in file order. */
export function blockWeightNames(i: number) {
  const p = `h.${i}.`;
  return {
    ln1Weight: `${p}ln_1.weight`,
    ln1Bias: `${p}ln_1.bias`,
    attnWeight: `${p}attn.c_attn.weight`,
    attnBias: `${p}attn.c_attn.bias`,
    attnProjWeight: `${p}attn.c_proj.weight`,
    attnProjBias: `${p}attn.c_proj.bias`,
    ln2Weight: `${p}ln_2.weight`,
    ln2Bias: `${p}ln_2.bias`,
    fcWeight: `${p}mlp.c_fc.weight`,
    fcBias: `${p}mlp.c_fc.bias`,
    mlpProjWeight: `${p}mlp.c_proj.weight`,
    mlpProjBias: `${p}mlp.c_proj.bias`,
  } as const;
}

/** Every tensor GPT-2 needs, with its exact shape, in a canonical order. */
export function gpt2WeightSpecs(config: Gpt2Config): Gpt2WeightSpec[] {
  const d = config.nEmbd;
  const f = config.nInner;
  const specs: Gpt2WeightSpec[] = [
    { name: 'wte.weight', shape: [config.vocabSize, d] },
    { name: 'wpe.weight', shape: [config.nPositions, d] },
  ];
  for (let i = 0; i < config.nLayer; i++) {
    const n = blockWeightNames(i);
    specs.push(
      { name: n.ln1Weight, shape: [d] },
      { name: n.ln1Bias, shape: [d] },
      { name: n.attnWeight, shape: [d, 3 * d] },
      { name: n.attnBias, shape: [3 * d] },
      { name: n.attnProjWeight, shape: [d, d] },
      { name: n.attnProjBias, shape: [d] },
      { name: n.ln2Weight, shape: [d] },
      { name: n.ln2Bias, shape: [d] },
      { name: n.fcWeight, shape: [d, f] },
      { name: n.fcBias, shape: [f] },
      { name: n.mlpProjWeight, shape: [f, d] },
      { name: n.mlpProjBias, shape: [d] },
    );
  }
  specs.push({ name: 'ln_f.weight', shape: [d] }, { name: 'ln_f.bias', shape: [d] });
  return specs;
}

const SKIPPED_BUFFER = /^h\.\d+\.attn\.(bias|masked_bias)$/;

/**
 * The canonical name of a file's tensor, or null for tensors GPT-2 inference ignores:
 * the causal-mask buffers `h.{i}.attn.bias` / `h.{i}.attn.masked_bias`, and
 * `lm_head.weight`, which GPT-2 ties to wte (the config check rejects untied models).
 */
export function normalizeGpt2TensorName(fileName: string): string | null {
  const name = fileName.startsWith('transformer.') ? fileName.slice('transformer.'.length) : fileName;
  if (SKIPPED_BUFFER.test(name) || name === 'lm_head.weight') return null;
  return name;
}

export class Gpt2WeightsError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`GPT-2 weights do not match the config (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n  ${problems.join('\n  ')}`);
    this.name = 'Gpt2WeightsError';
    this.problems = problems;
  }
}

const shapeText = (s: readonly number[]) => `[${s.join(', ')}]`;

/** Why a tensor should have its shape, in config terms, for the error message. */
function shapeReason(spec: Gpt2WeightSpec, config: Gpt2Config): string {
  if (spec.name === 'wte.weight') return `vocab_size=${config.vocabSize}, n_embd=${config.nEmbd}`;
  if (spec.name === 'wpe.weight') return `n_positions=${config.nPositions}, n_embd=${config.nEmbd}`;
  if (spec.name.includes('mlp.') && config.nInner !== 4 * config.nEmbd) return `n_embd=${config.nEmbd}, n_inner=${config.nInner}`;
  return `n_embd=${config.nEmbd}`;
}

/**
 * Checks a parsed header against the config and returns canonical name -> tensor info.
 * Throws one Gpt2WeightsError listing every missing, duplicated, unexpected, misshapen
 * or wrongly typed tensor.
 */
export function checkGpt2Weights(header: SafetensorsHeader, config: Gpt2Config): Map<string, SafetensorsTensorInfo> {
  const problems: string[] = [];
  const found = new Map<string, SafetensorsTensorInfo>();
  for (const t of header.tensors) {
    const name = normalizeGpt2TensorName(t.name);
    if (name === null) continue;
    const prior = found.get(name);
    if (prior) problems.push(`${name} appears twice (as "${prior.name}" and "${t.name}")`);
    else found.set(name, t);
  }

  const specs = gpt2WeightSpecs(config);
  const expected = new Set(specs.map((s) => s.name));
  for (const spec of specs) {
    const t = found.get(spec.name);
    if (!t) {
      problems.push(`${spec.name} is missing (expected shape ${shapeText(spec.shape)})`);
      continue;
    }
    if (t.shape.length !== spec.shape.length || t.shape.some((s, i) => s !== spec.shape[i])) {
      problems.push(`${spec.name} has shape ${shapeText(t.shape)}, expected ${shapeText(spec.shape)} for ${shapeReason(spec, config)}`);
    }
    if (!GPT2_WEIGHT_DTYPES.includes(t.dtype)) {
      problems.push(`${spec.name} has dtype ${t.dtype}, expected one of ${GPT2_WEIGHT_DTYPES.join(', ')}`);
    }
  }
  for (const name of found.keys()) {
    if (!expected.has(name)) problems.push(`${name} is not a GPT-2 tensor for n_layer=${config.nLayer} (wrong config or model?)`);
  }
  if (problems.length > 0) throw new Gpt2WeightsError(problems);
  return found;
}
