// Node-only convenience: read a GPT-2 directory (config.json + a safetensors file) into the
// float64 reference model. Browsers fetch the bytes and call loadGpt2WeightsF64 directly.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseGpt2Config, type Gpt2Config } from '../gpt2/config.ts';
import { loadGpt2WeightsF64 } from './gpt2-weights.ts';

/** The repository's tiny random-weight GPT-2 (the golden fixtures' model). */
export const TINY_GPT2_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../public/models/tiny-gpt2');

export function loadReferenceGpt2FromDir(
  dir: string = TINY_GPT2_DIR,
  weightsFile = 'model.safetensors',
): { config: Gpt2Config; weights: Map<string, Float64Array> } {
  const config = parseGpt2Config(readFileSync(resolve(dir, 'config.json'), 'utf8'));
  const file = new Uint8Array(readFileSync(resolve(dir, weightsFile)));
  return { config, weights: loadGpt2WeightsF64(file, config) };
}
