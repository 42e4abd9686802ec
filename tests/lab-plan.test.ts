// The Lab's live evaluation plan: ME-PPL first, then each task on a fixed
// seeded subsample, every part streamed through onPartial, cancellable, and
// the baseline computed the same way.
import { beforeAll, describe, expect, it } from 'vitest';
import { nodeLabEnv } from '../cli/node-env.ts';
import { TASKS } from '../models/eval/tasks.ts';
import { nodeGpuContext } from '../models/gpu/node-gpu.ts';
import { dirModelFiles } from '../models/gpt2/load-node.ts';
import { Lab } from '../models/lab.ts';
import type { ExperimentSettings } from '../models/experiment.ts';
import type { EvalPoint } from '../models/lab-types.ts';
import { seededSample } from '../models/util/random.ts';

const env = nodeLabEnv({ statsStore: null });
const plan: ExperimentSettings = { method: { name: 'rome' }, mode: 'sequential', eval: { texts: ['The cat sat on the mat.', 'Paris is the capital of France.'], tasks: { lambada: 1, piqa: 1 }, seed: 3 } };
let lab: Lab;
// The two evaluation tests need under 18 s of CPU together (the whole file, measured), but
// on a loaded machine they took over 120 s of wall time each (vitest.config's limit).
const HEAVY_MS = 600_000;

beforeAll(async () => {
  lab = new Lab(await nodeGpuContext(), env);
  await lab.loadModel(dirModelFiles('public/models/tiny-gpt2'));
});

describe('live evaluation plan', () => {
  it('streams ME-PPL, then each task, on fixed seeded subsamples; the baseline the same way', async () => {
    const partial: EvalPoint[] = [];
    const { baseline: base } = await lab.configure(plan, { onPartial: (p) => partial.push(p) });
    expect(partial.map((p) => p.pending)).toEqual([['lambada', 'piqa'], ['piqa'], []]);
    expect(partial.map((p) => Object.keys(p.tasks))).toEqual([[], ['lambada'], ['lambada', 'piqa']]);
    expect(partial.every((p) => p.me_ppl === base.me_ppl)).toBe(true);
    expect(base.pending).toBeUndefined();
    expect(base.tasks).toEqual(partial[2]!.tasks);
    expect(base.taskMetrics!.lambada).toMatchObject({ n: 1 });
    expect(base.taskMetrics!.piqa).toMatchObject({ n: 1 });
    expect(Number.isFinite(base.me_ppl) && base.collapsed === false).toBe(true);

    // The subsample is seededSample(file, size, seed): scoring those items directly gives the same numbers.
    const all = await TASKS.lambada.load(env.readAsset);
    const picked = seededSample(all.length, 1, 3).map((i) => all[i]!);
    const direct = await TASKS.lambada.score(lab.currentModel(), await env.tokenizer(), picked);
    expect(direct.metrics).toEqual(base.taskMetrics!.lambada);
  }, HEAVY_MS);

  it('cancels between parts, then scores the same subsamples again', async () => {
    const ctl = new AbortController();
    const seen: EvalPoint[] = [];
    const run = lab.evaluate({
      signal: ctl.signal,
      onPartial: (p) => {
        seen.push(p);
        ctl.abort();
      },
    });
    await expect(run).rejects.toMatchObject({ name: 'AbortError' });
    expect(seen).toHaveLength(1); // ME-PPL only: no task ran after the abort
    const base = await lab.baseline();
    const again = await lab.evaluate();
    expect(again.tasks).toEqual(base.tasks);
    expect(again.taskMetrics).toEqual(base.taskMetrics);
    expect(again.me_ppl).toBe(base.me_ppl);
  }, HEAVY_MS);

  it('rejects unknown tasks by name', async () => {
    await expect(lab.configure({ ...plan, eval: { texts: ['x y z'], tasks: { boolq: 5 } } })).rejects.toThrow(/unknown task "boolq"/);
    await lab.configure({ ...plan, eval: { texts: ['x y z'] } });
  });
});
