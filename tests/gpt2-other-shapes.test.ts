// The GPU engine on GPT-2 checkpoints of other shapes and seeds than the
// fixture (never seen by the other tests), against the float64 CPU engine:
// catches assumptions about widths, head sizes and depths.
import { describe, expect, it } from 'vitest';
import { toHalves } from '../models/gpu/half.ts';
import { nodeGpuContext } from '../models/gpu/node-gpu.ts';
import { parseGpt2Config } from '../models/gpt2/config.ts';
import { loadGpt2, type ModelFiles } from '../models/gpt2/load.ts';
import { writeSafetensors } from '../models/gpt2/safetensors-write.ts';
import { scoreSequences } from '../models/gpt2/score.ts';
import { gpt2WeightSpecs } from '../models/gpt2/weights.ts';
import { MemorySource } from '../models/io/byte-source.ts';
import { loadGpt2WeightsF64 } from '../models/reference/gpt2-weights.ts';
import { gpt2ForwardF64 } from '../models/reference/gpt2.ts';
import { randomArray } from './helpers/random.ts';

function randomCheckpoint(nEmbd: number, nLayer: number, nHead: number, seed: number, dtype: 'F32' | 'F16', prefix = '') {
  const configJson = JSON.stringify({ model_type: 'gpt2', n_embd: nEmbd, n_layer: nLayer, n_head: nHead, n_positions: 64, vocab_size: 50257, n_inner: null, activation_function: 'gelu_new', layer_norm_epsilon: 1e-5 });
  const config = parseGpt2Config(configJson);
  const tensors = gpt2WeightSpecs(config).map((s, i) => {
    const n = s.shape.reduce((a, b) => a * b, 1);
    const isLnGain = /ln_.*\.weight|ln_f\.weight/.test(s.name);
    const values = randomArray(n, seed * 1000 + i, s.name.startsWith('wte') ? 0.5 : 0.2).map((x) => (isLnGain ? 1 + x : x));
    const data = dtype === 'F16' ? new Uint8Array(toHalves(values).buffer) : new Uint8Array(values.buffer);
    return { name: prefix + s.name, dtype, shape: s.shape, data };
  });
  const bytes = writeSafetensors(tensors);
  const files: ModelFiles = { name: `random-${nEmbd}-${nLayer}-${nHead}`, readConfig: async () => configJson, weights: new MemorySource(bytes, 'model.safetensors') };
  return { config, bytes, files };
}

describe('GPT-2 checkpoints of other shapes', () => {
  for (const [d, L, H, seed, dtype, prefix] of [
    [40, 3, 5, 1, 'F32', ''], // head size 8
    [96, 2, 3, 2, 'F16', 'transformer.'], // head size 32, half weights, HF's prefixed names
    [128, 1, 2, 3, 'F32', 'transformer.'], // head size 64, one layer
  ] as const) {
    it(`d=${d}, ${L} layers, ${H} heads, ${dtype}${prefix ? ', prefixed names' : ''}: NLL within 1e-4 of float64`, async () => {
      const { config, bytes, files } = randomCheckpoint(d, L, H, seed, dtype, prefix);
      const model = await loadGpt2(await nodeGpuContext(), files);
      const weights = loadGpt2WeightsF64(bytes, config);
      const seqs = [Array.from({ length: 23 }, (_, i) => (i * 7919 + seed) % 50257), Array.from({ length: 9 }, (_, i) => (i * 104729 + 17) % 50257)];
      const got = await scoreSequences(model, seqs);
      seqs.forEach((ids, b) => {
        const want = gpt2ForwardF64(config, weights, ids);
        const worst = Math.max(...Array.from(got[b]!.nll, (x, i) => Math.abs(x - want.nll[i]!)));
        expect(worst).toBeLessThan(1e-4);
        expect(Array.from(got[b]!.argmax)).toEqual(Array.from(want.argmax).slice(0, ids.length - 1));
      });
    });
  }
});
