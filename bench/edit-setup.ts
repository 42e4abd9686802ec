// What the per-edit benchmarks (rome-edit.ts, methods-edit.ts) share: their
// flags, the model at the chosen shape, and the tokenizer. Node + Dawn.
import { existsSync } from 'node:fs';
import { benchFlags } from './flags.ts';
import { nodeGpuContext } from '../models/gpu/node-gpu.ts';
import { loadGpt2 } from '../models/gpt2/load.ts';
import { dirModelFiles } from '../models/gpt2/load-node.ts';
import { loadGpt2TokenizerFromDir } from '../models/tokenizer/tokenizer-node.ts';

/** The per-edit benchmarks' flags (methods-edit.ts adds --batch). */
export const editBenchFlags = () => benchFlags({ shape: 'tiny', 'stats-tokens': '', steps: '20', batch: '1' });

/** --shape tiny|small, --stats-tokens, --steps; the model loaded (the small shape's random weights come from bench/make-weights.ts). */
export async function editBenchSetup() {
  const flags = editBenchFlags();
  const shape = flags.shape;
  const dir = shape === 'tiny' ? 'public/models/tiny-gpt2' : '.cache/bench/gpt2-small-random';
  if (!existsSync(dir)) throw new Error(`${dir} is missing: run \`npx tsx bench/make-weights.ts\` first`);
  // C is f×f (3072² at the small shape): fewer tokens than f leave it singular and MEMIT's λC + KKᵀ is not positive definite (measured: 2,000 failed).
  const statsTokens = Number(flags['stats-tokens'] || (shape === 'tiny' ? '20000' : '8000'));
  const steps = Number(flags.steps);
  const ctx = await nodeGpuContext();
  const tok = loadGpt2TokenizerFromDir();
  const model = await loadGpt2(ctx, dirModelFiles(dir));
  return { shape, statsTokens, steps, batch: Number(flags.batch), ctx, tok, model };
}
