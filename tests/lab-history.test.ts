// The Lab's edit history: undo and reset are exact (bit for bit), single mode
// leaves the original weights, statistics are cached and a cancelled
// statistics run caches nothing.
import { readFileSync } from 'node:fs';
import type { MethodName } from '../models/experiment.ts';
import { describe, expect, it } from 'vitest';
import { MemoryStatsStore } from '../models/editing/stats-cache.ts';
import { nodeGpuContext } from '../models/gpu/node-gpu.ts';
import { dirModelFiles } from '../models/gpt2/load-node.ts';
import { Lab } from '../models/lab.ts';
import type { EditRequest, MethodSpec } from '../models/experiment.ts';
import { nodeLabEnv } from '../cli/node-env.ts';

const seq = JSON.parse(readFileSync('tests/fixtures/tiny-gpt2/sequential.json', 'utf8'));
const rome = JSON.parse(readFileSync('tests/fixtures/tiny-gpt2/rome.json', 'utf8'));
const requests: EditRequest[] = seq.requests.map((r: Record<string, string>) => ({ prompt: r.prompt, subject: r.subject, target_new: r.target_new, target_true: r.target_true }));
// Few v* steps: these tests are about bookkeeping, not about v*'s accuracy.
const method: MethodSpec = { name: 'rome', layer: 1, v_num_grad_steps: 3, context_templates: ['{}', 'The following is true. {}'] };
const stats = { ids: rome.covariance.sequences.slice(0, 12) };
const texts = seq.forward_texts.map((t: { text: string }) => t.text);

async function newLab(store = new MemoryStatsStore(), weights = 'model.safetensors') {
  const lab = new Lab(await nodeGpuContext(), nodeLabEnv({ statsStore: store }));
  await lab.loadModel(dirModelFiles('public/models/tiny-gpt2', weights));
  await lab.configure({ method, mode: 'sequential', stats, eval: { texts } });
  return lab;
}

async function edited(lab: Lab): Promise<Float32Array> {
  const m = lab.currentModel();
  return m.ctx.downloadF32(m.weights.blocks[1]!.mlpProj.w);
}

const same = (a: Float32Array, b: Float32Array) => a.length === b.length && a.every((x, i) => Object.is(x, b[i]));

describe('edit history', () => {
  it('undoing the last edit, an earlier edit, and reset are bit-exact', async () => {
    const lab = await newLab();
    const w0 = Float32Array.from(await edited(lab));
    await lab.applyEdit(requests[0]!);
    await lab.applyEdit(requests[1]!);
    const w2 = Float32Array.from(await edited(lab));
    await lab.applyEdit(requests[2]!);
    expect(same(await edited(lab), w2)).toBe(false);

    await lab.undo(2); // the last edit
    expect(same(await edited(lab), w2)).toBe(true);
    expect(lab.stepList).toHaveLength(2);

    // Undo the first of two: the second is recomputed on the original weights,
    // exactly as replaying [edit 1] alone from the original would give.
    const steps = await lab.undo(0);
    expect(steps.map((s) => s.request.subject)).toEqual([requests[1]!.subject]);
    const alone = await newLab();
    await alone.applyEdit(requests[1]!);
    expect(same(await edited(lab), await edited(alone))).toBe(true);
    expect(steps[0]!.metrics.me_ppl).toBe(alone.stepList[0]!.metrics.me_ppl);

    lab.reset();
    expect(same(await edited(lab), w0)).toBe(true);
    expect(lab.stepList).toHaveLength(0);
    const again = await lab.evaluate();
    expect(again.me_ppl).toBe((await lab.baseline()).me_ppl);
  });

  it('a new baseline is taken on the original weights and the edits come back bit-exactly', async () => {
    const lab = await newLab();
    const base = await lab.baseline();
    await lab.applyEdit(requests[0]!);
    const w1 = Float32Array.from(await edited(lab));
    // A new evaluation plan recomputes the baseline with the edit applied.
    const again = await lab.configure({ method, mode: 'sequential', stats, eval: { texts, collapse_factor: 11 } });
    expect(again.recomputed).toEqual({ statistics: false, templates: false, baseline: true });
    expect(again.baseline.me_ppl).toBe(base.me_ppl);
    expect(same(await edited(lab), w1)).toBe(true);
  });

  it('single mode scores each edit on the original model and leaves it unedited', async () => {
    const lab = await newLab();
    const w0 = Float32Array.from(await edited(lab));
    await lab.configure({ method, mode: 'single', stats, eval: { texts } });
    const a = await lab.applyEdit(requests[0]!);
    const b = await lab.applyEdit(requests[1]!);
    expect(same(await edited(lab), w0)).toBe(true);
    const seqLab = await newLab();
    const alone = await seqLab.applyEdit(requests[1]!);
    expect(b.metrics.me_ppl).toBe(alone.metrics.me_ppl);
    expect(a.edit).toBe(0);
    expect(b.edit).toBe(1);
  });

  it('configure says what it recomputes and refuses, changing nothing, what it cannot do', async () => {
    const lab = await newLab();
    const settings = { method: { ...method, context_templates: undefined }, mode: 'sequential' as const, stats, eval: { texts } };
    expect((await lab.configure(settings)).recomputed).toEqual({ statistics: true, templates: true, baseline: false });
    const prepared = await lab.configure(settings, { prepare: true });
    expect((await lab.configure(settings)).recomputed).toEqual({ statistics: false, templates: false, baseline: false });
    expect((await lab.configure({ ...settings, stats: { ids: stats.ids.slice(0, 11) } })).recomputed.statistics).toBe(true);
    // Every method of the paper is implemented now: a name outside the table is what is refused.
    await expect(lab.configure({ ...settings, method: { name: 'grace' as MethodName } })).rejects.toThrow(/unknown method "grace"/);
    await expect(lab.configure({ ...settings, method: { name: 'rome', layer: 4 } })).rejects.toThrow(/method.layer must be between 0 and 3 \(the model has 4 layers\)/);
    expect(lab.experiment().stats).toEqual({ ids: stats.ids.slice(0, 11) });
    expect(lab.experiment().method.name).toBe('rome');
    expect(prepared.baseline).toBe(await lab.baseline());
  });

  it('F16 weights: reset returns exactly the original scores', async () => {
    const lab = await newLab(new MemoryStatsStore(), 'model.f16.safetensors');
    const base = await lab.baseline();
    await lab.applyEdit(requests[0]!);
    lab.reset();
    expect((await lab.evaluate()).perplexity!.per_text.map((t) => t.nll)).toEqual(base.perplexity!.per_text.map((t) => t.nll));
  });

  it('caches key statistics, and a cancelled statistics run caches nothing', async () => {
    const store = new MemoryStatsStore();
    let puts = 0;
    let hits = 0;
    const counting = {
      get: async (k: Parameters<MemoryStatsStore['get']>[0]) => {
        const v = await store.get(k);
        if (v) hits++;
        return v;
      },
      put: async (k: Parameters<MemoryStatsStore['put']>[0], s: Parameters<MemoryStatsStore['put']>[1]) => {
        puts++;
        return store.put(k, s);
      },
    };
    // Cancel while the statistics are being accumulated.
    const lab = await newLab(counting as unknown as MemoryStatsStore);
    const ac = new AbortController();
    const failed = await lab.applyEdit(requests[0]!, { signal: ac.signal, onProgress: (p) => p.stage === 'statistics' && ac.abort() }).catch((e) => e);
    expect(String(failed)).toMatch(/abort/i);
    expect(puts).toBe(0);
    expect(lab.stepList).toHaveLength(0);
    // The next edit computes and stores them (a miss), a second Lab hits the cache.
    await lab.applyEdit(requests[0]!);
    expect(puts).toBe(1);
    const other = await newLab(counting as unknown as MemoryStatsStore);
    await other.applyEdit(requests[0]!);
    expect(hits).toBe(1);
    expect(puts).toBe(1);
  });
});
