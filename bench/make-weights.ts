// Writes seeded random GPT-2 weights in the Hugging Face layout (config.json +
// model.safetensors, F32) so the benchmark runs at a real model's shape
// without downloading one. Weights follow GPT-2's initialisation, N(0, 0.02)
// (wpe 0.01); layernorm gains are 1 and biases 0, each plus a little noise so
// every parameter carries signal.
//
//   npx tsx bench/make-weights.ts [--preset gpt2] [--seed 1] [--out .cache/bench/gpt2-small-random]
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gpt2ConfigToJson, type Gpt2Config } from '../models/gpt2/config.ts';
import { gpt2Preset, type Gpt2PresetId } from '../models/gpt2/presets.ts';
import { writeSafetensors } from '../models/gpt2/safetensors-write.ts';
import { gpt2WeightSpecs } from '../models/gpt2/weights.ts';
import { fillGaussian, mulberry32 } from './seeded-random.ts';
import { benchFlags } from './flags.ts';

const NOISE = 0.02;

/** Mean and standard deviation of a tensor's random values, by its role. */
function distribution(name: string): { mean: number; std: number } {
  if (/ln_\d\.weight$|ln_f\.weight$/.test(name)) return { mean: 1, std: NOISE };
  if (name === 'wpe.weight') return { mean: 0, std: 0.01 };
  return { mean: 0, std: NOISE };
}

export function writeRandomGpt2(outDir: string, config: Gpt2Config, seed: number): { bytes: number } {
  const rand = mulberry32(seed);
  const tensors = gpt2WeightSpecs(config).map((spec) => {
    const values = new Float32Array(spec.shape.reduce((a, b) => a * b, 1));
    const { mean, std } = distribution(spec.name);
    fillGaussian(values, rand, mean, std);
    return { name: spec.name, dtype: 'F32' as const, shape: spec.shape, data: new Uint8Array(values.buffer) };
  });
  const file = writeSafetensors(tensors, { format: 'pt', generator: `butterfly-lab bench/make-weights seed=${seed}` });
  mkdirSync(outDir, { recursive: true });
  const json = { ...gpt2ConfigToJson(config), torch_dtype: 'float32', bench_random_seed: seed };
  writeFileSync(join(outDir, 'config.json'), JSON.stringify(json, null, 2) + '\n');
  writeFileSync(join(outDir, 'model.safetensors'), file);
  return { bytes: file.byteLength };
}

// Run as a script (not when imported).
if (process.argv[1] && /make-weights\.ts$/.test(process.argv[1])) {
  const flags = benchFlags({ preset: 'gpt2', out: '.cache/bench/gpt2-small-random', seed: '1' });
  const preset = gpt2Preset(flags.preset as Gpt2PresetId);
  const out = flags.out;
  const seed = Number(flags.seed);
  const t0 = Date.now();
  const { bytes } = writeRandomGpt2(out, preset.config, seed);
  console.log(`wrote ${preset.label} random weights (seed ${seed}, ${(bytes / 2 ** 20).toFixed(0)} MiB) to ${out} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}
