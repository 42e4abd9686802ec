import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { generateContextTemplates } from '../models/editing/templates.ts';
import { nodeGpuContext } from '../models/gpu/node-gpu.ts';
import { generate } from '../models/gpt2/generate.ts';
import { loadGpt2 } from '../models/gpt2/load.ts';
import { dirModelFiles } from '../models/gpt2/load-node.ts';
import { loadReferenceGpt2FromDir } from '../models/reference/gpt2-node.ts';
import { gpt2ForwardF64 } from '../models/reference/gpt2.ts';
import { loadGpt2TokenizerFromDir } from '../models/tokenizer/tokenizer-node.ts';
import { seededRandom, seededSample } from '../models/util/random.ts';

const forward = JSON.parse(readFileSync('tests/fixtures/tiny-gpt2/forward.json', 'utf8'));

describe('generation', () => {
  it('greedy decoding follows the float64 reference token by token, batched', async () => {
    const ctx = await nodeGpuContext();
    const model = await loadGpt2(ctx, dirModelFiles('public/models/tiny-gpt2'));
    const ref = loadReferenceGpt2FromDir('public/models/tiny-gpt2');
    const prompts: number[][] = forward.texts.map((t: { ids: number[] }) => t.ids.slice(0, 4 + t.ids.length % 3));
    const got = await generate(model, prompts, { maxNewTokens: 3, stopAtEos: false });
    prompts.forEach((p, i) => {
      const seq = [...p];
      for (let s = 0; s < 3; s++) {
        const r = gpt2ForwardF64(ref.config, ref.weights, seq);
        seq.push(r.argmax[seq.length - 1]!);
      }
      expect(got[i]).toEqual(seq.slice(p.length));
    });
  });

  it('top-k sampling is reproducible from a seed and stays in the top k', async () => {
    const ctx = await nodeGpuContext();
    const model = await loadGpt2(ctx, dirModelFiles('public/models/tiny-gpt2'));
    const prompt = [forward.texts[0].ids.slice(0, 5)];
    const a = await generate(model, prompt, { maxNewTokens: 2, topK: 3, random: seededRandom(7) });
    const b = await generate(model, prompt, { maxNewTokens: 2, topK: 3, random: seededRandom(7) });
    expect(a).toEqual(b);
    const ref = loadReferenceGpt2FromDir('public/models/tiny-gpt2');
    const logits = gpt2ForwardF64(ref.config, ref.weights, prompt[0]!, { keepLogits: true }).logits!;
    const last = Array.from(logits.slice(4 * 50257, 5 * 50257));
    const top3 = last.map((z, id) => ({ z, id })).sort((x, y) => y.z - x.z).slice(0, 3).map((e) => e.id);
    expect(top3).toContain(a[0]![0]);
    await expect(generate(model, prompt, { maxNewTokens: 1, topK: 3 })).rejects.toThrow(/seeded/);
  });

  it("builds ROME's 21 context templates, the same for the same seed", async () => {
    const ctx = await nodeGpuContext();
    const model = await loadGpt2(ctx, dirModelFiles('public/models/tiny-gpt2'));
    const tok = loadGpt2TokenizerFromDir();
    const small = [[3, 2], [4, 1]] as const;
    const t1 = await generateContextTemplates(model, tok, 0, small);
    const t2 = await generateContextTemplates(model, tok, 0, small);
    expect(t1).toEqual(t2);
    expect(t1).toHaveLength(4);
    expect(t1[0]).toBe('{}');
    for (const t of t1.slice(1)) {
      expect(t.endsWith('. {}')).toBe(true);
      expect(t.split('{}')).toHaveLength(2);
    }
  });

  it('seeded subsamples are stable and distinct', () => {
    expect(seededSample(100, 10, 3)).toEqual(seededSample(100, 10, 3));
    expect(new Set(seededSample(100, 100, 1)).size).toBe(100);
    expect(seededSample(5, 10, 1)).toHaveLength(5);
  });
});
