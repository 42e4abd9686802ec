import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { generateContextTemplates } from '../models/editing/templates.ts';
import { nodeGpuContext } from '../models/gpu/node-gpu.ts';
import { greedyGenerate } from '../models/eval/greedy.ts';
import { gpuScoringModel } from '../models/eval/scoring-model.ts';
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

  // The key/value cache against the uncached loop (each step re-runs the whole sequence): the same tokens.
  const tiny = async () => loadGpt2(await nodeGpuContext(), dirModelFiles('public/models/tiny-gpt2'));
  const ragged = (): number[][] => forward.texts.map((t: { ids: number[] }, i: number) => t.ids.slice(0, 3 + ((5 * i) % 11)));

  it('the key/value cache gives the uncached greedy tokens for ragged prompts', async () => {
    const model = await tiny();
    const opts = { maxNewTokens: 4, stopAtEos: false };
    expect(await generate(model, ragged(), opts)).toEqual(await generate(model, ragged(), { ...opts, cache: false }));
  });

  it('the key/value cache gives the uncached top-k samples for the same seed', async () => {
    const model = await tiny();
    const topK = (cache: boolean) => generate(model, ragged(), { maxNewTokens: 3, topK: 4, random: seededRandom(3), cache });
    expect(await topK(true)).toEqual(await topK(false));
  });

  it('the key/value cache stops a sequence at the context limit, as without it', async () => {
    const model = await tiny();
    // A prompt two tokens short of the context gets two tokens; the short one runs on.
    const n = model.config.nPositions;
    const long = [Array.from({ length: n - 2 }, (_, i) => (i * 37) % 1000), [5, 6, 7]];
    const a = await generate(model, long, { maxNewTokens: 3, stopAtEos: false });
    expect(a.map((g) => g.length)).toEqual([2, 3]);
    expect(a).toEqual(await generate(model, long, { maxNewTokens: 3, stopAtEos: false, cache: false }));
  });

  it('greedy QA answers are the same through the cache and the step-by-step loop', async () => {
    const model = await tiny();
    const tok = loadGpt2TokenizerFromDir();
    const lm = gpuScoringModel(model);
    const prompts = ['Q: who wrote the book?\nA:', 'The capital of France is', 'One, two,'].map((t) => tok.encode(t));
    const opts = { maxNewTokens: 4, until: ['\n', '.', ','] };
    const cached = await greedyGenerate(lm, tok, prompts, opts);
    const looped = await greedyGenerate({ ...lm, greedy: undefined }, tok, prompts, opts);
    expect(cached).toEqual(looped);
  });

  it('seeded subsamples are stable and distinct', () => {
    expect(seededSample(100, 10, 3)).toEqual(seededSample(100, 10, 3));
    expect(new Set(seededSample(100, 100, 1)).size).toBe(100);
    expect(seededSample(5, 10, 1)).toHaveLength(5);
  });
});
