// Computed points survive a reload in local storage, keyed by the exact
// experiment; anything else (another experiment, a tampered entry) is ignored,
// and only the last few experiments are kept.
import { beforeEach, describe, expect, it } from 'vitest';
import type { Experiment } from '../../models/experiment.ts';
import type { EditStep, EvalPoint } from '../../models/lab-types.ts';
import { loadPoints, MAX_SAVED_EXPERIMENTS, savePoints } from '../../app/points-cache.ts';

class MemoryStorage {
  private m = new Map<string, string>();
  getItem = (k: string) => this.m.get(k) ?? null;
  setItem = (k: string, v: string) => void this.m.set(k, String(v));
  removeItem = (k: string) => void this.m.delete(k);
  get size() {
    return this.m.size;
  }
}

const edit = { prompt: '{} plays the sport of', subject: 'LeBron James', target_new: 'football' };
const exp = (steps = 5, edits = [edit]): Experiment => ({ version: 1, model: 'public/models/tiny-gpt2', method: { name: 'rome', v_num_grad_steps: steps }, mode: 'sequential', edits });
const point = (me_ppl: number): EvalPoint => ({ me_ppl, ppl_corpus: 2 * me_ppl, tasks: { lambada: 0.5 }, collapsed: !Number.isFinite(me_ppl), perplexity: { big: 'report' } as never });
const step = (p: EvalPoint): EditStep => ({ edit: 0, request: edit, method: { name: 'rome' }, metrics: p, dump: { k_star: [1], u: [], v_star: [], right: [] } }) as unknown as EditStep;

let storage: MemoryStorage;
beforeEach(() => {
  storage = new MemoryStorage();
  (globalThis as { localStorage?: unknown }).localStorage = storage;
});

describe('saved points', () => {
  it('come back for the same experiment only, without the heavy parts, ∞ intact', () => {
    savePoints(exp(), point(100), [step(point(Infinity))]);
    const back = loadPoints(exp());
    expect(back?.baseline.me_ppl).toBe(100);
    expect(back?.steps[0]!.metrics.me_ppl).toBe(Infinity);
    expect(back?.steps[0]!.metrics.collapsed).toBe(true);
    expect(back?.baseline.perplexity).toBeUndefined();
    expect(back?.steps[0]!.dump).toBeUndefined();
    expect(loadPoints(exp(6))).toBeNull();
    expect(loadPoints(exp(5, [{ ...edit, target_new: 'golf' }]))).toBeNull();
  });

  it('ignore a tampered entry', () => {
    savePoints(exp(), point(100), [step(point(200))]);
    for (const key of ['butterfly-lab:points-index']) expect(storage.getItem(key)).not.toBeNull();
    const [key] = JSON.parse(storage.getItem('butterfly-lab:points-index')!) as string[];
    const entry = JSON.parse(storage.getItem(key!)!);
    storage.setItem(key!, JSON.stringify({ ...entry, steps: [{ ...entry.steps[0], metrics: { me_ppl: 'x' } }] }));
    expect(loadPoints(exp())).toBeNull();
    storage.setItem(key!, '{not json');
    expect(loadPoints(exp())).toBeNull();
  });

  it(`keep the last ${MAX_SAVED_EXPERIMENTS} experiments`, () => {
    for (let k = 1; k <= MAX_SAVED_EXPERIMENTS + 2; k++) savePoints(exp(k), point(k), [step(point(k))]);
    expect(loadPoints(exp(1))).toBeNull();
    expect(loadPoints(exp(2))).toBeNull();
    expect(loadPoints(exp(3))?.baseline.me_ppl).toBe(3);
    expect(loadPoints(exp(MAX_SAVED_EXPERIMENTS + 2))?.baseline.me_ppl).toBe(MAX_SAVED_EXPERIMENTS + 2);
    expect(storage.size).toBe(MAX_SAVED_EXPERIMENTS + 1); // the entries and the index
  });
});
