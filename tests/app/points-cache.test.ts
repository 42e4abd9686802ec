// Computed points survive a reload in local storage, keyed by the exact
// experiment. Local storage is anyone's to edit: another experiment, a
// tampered, hostile or oversized entry, a full or forbidden storage all end in
// "nothing saved" (the replay recomputes), never in wrong points or a throw.
import { beforeEach, describe, expect, it } from 'vitest';
import type { Experiment } from '../../models/experiment.ts';
import type { EditStep, EvalPoint } from '../../models/lab-types.ts';
import { TASK_INFO } from '../../models/eval/task-info.ts';
import { loadPoints, MAX_SAVED_EXPERIMENTS, savePoints } from '../../app/points-cache.ts';
import { decodeExperiment, encodeExperiment } from '../../app/share-codec.ts';

class MemoryStorage {
  m = new Map<string, string>();
  getItem = (k: string) => this.m.get(k) ?? null;
  setItem = (k: string, v: string) => void this.m.set(k, String(v));
  removeItem = (k: string) => void this.m.delete(k);
}

const INDEX = 'butterfly-lab:points-index';
const edit = { prompt: '{} plays the sport of', subject: 'LeBron James', target_new: 'football' };
const exp = (steps = 5, edits = [edit]): Experiment => ({ version: 1, model: 'public/models/tiny-gpt2', method: { name: 'rome', v_num_grad_steps: steps }, mode: 'sequential', edits });
const point = (me_ppl: number, extra: Partial<EvalPoint> = {}): EvalPoint => ({ me_ppl, ppl_corpus: 2 * me_ppl, tasks: { lambada: 0.5 }, collapsed: !Number.isFinite(me_ppl), perplexity: { big: 'report' } as never, ...extra });
const step = (p: EvalPoint, request = edit): EditStep =>
  ({ edit: 0, request, method: { name: 'rome' }, metrics: p, diagnostics: {}, before: { targetProb: 0.1, generation: 'x' }, after: { targetProb: 0.9, generation: 'y' }, elapsedMs: 5, dump: { k_star: [1], u: [], v_star: [], right: [] } }) as unknown as EditStep;

let storage: MemoryStorage;
beforeEach(() => {
  storage = new MemoryStorage();
  (globalThis as { localStorage?: unknown }).localStorage = storage;
});

/** The one saved entry's key and parsed value (after a single save). */
function savedEntry(): [string, Record<string, unknown>] {
  const [key] = JSON.parse(storage.getItem(INDEX)!) as string[];
  return [key!, JSON.parse(storage.getItem(key!)!) as Record<string, unknown>];
}

describe('saved points', () => {
  it('come back for the same experiment only, without the heavy parts, ∞ and NaN intact', () => {
    savePoints(exp(), point(100), [step(point(Infinity, { ppl_corpus: NaN, collapseReason: 'ME-PPL is ∞' }))]);
    const back = loadPoints(exp());
    expect(back?.baseline).toEqual({ me_ppl: 100, ppl_corpus: 200, tasks: { lambada: 0.5 }, collapsed: false });
    expect(back?.steps).toEqual([{ edit: 0, request: edit, method: exp().method, metrics: { me_ppl: Infinity, ppl_corpus: NaN, tasks: { lambada: 0.5 }, collapsed: true, collapseReason: 'ME-PPL is ∞' } }]);
    // Only the points are stored; the requests and the method are the experiment's.
    const [, entry] = savedEntry();
    expect(Object.keys(entry).sort()).toEqual(['experiment', 'points']);
    expect(JSON.stringify(entry)).not.toMatch(/report|k_star|generation/);
    expect(loadPoints(exp(6))).toBeNull();
    expect(loadPoints(exp(5, [{ ...edit, target_new: 'golf' }]))).toBeNull();
  });

  it('are found after a reload, though the lab and the link parser order an experiment\'s keys differently', () => {
    // Lab.experiment()'s order (stats before mode, eval last; method knobs as set), as the page saves it.
    const lab = { version: 1, model: 'public/models/tiny-gpt2', method: { v_num_grad_steps: 5, name: 'rome' }, stats: { max_tokens: 2000, texts: 'wikitext2' }, mode: 'sequential', edits: [edit], eval: { tasks: { lambada: 3 }, texts: ['a text.'], collapse_factor: 10 } } as Experiment;
    savePoints(lab, point(100), [step(point(200))]);
    // The reload reads the experiment back from the URL, through the parser.
    const reloaded = decodeExperiment(encodeExperiment(lab));
    expect(JSON.stringify(reloaded)).not.toBe(JSON.stringify(lab));
    expect(loadPoints(reloaded)?.steps[0]!.metrics.me_ppl).toBe(200);
  });

  it('are not saved when the steps do not match the experiment', () => {
    savePoints(exp(5, [edit, edit]), point(100), [step(point(1))]);
    expect(storage.m.size).toBe(0);
  });

  it('ignore a tampered entry', () => {
    savePoints(exp(), point(100), [step(point(200))]);
    const [key, entry] = savedEntry();
    const points = entry.points as Record<string, unknown>[];
    const tamper = (change: unknown) => {
      storage.setItem(key, typeof change === 'string' ? change : JSON.stringify(change));
      return loadPoints(exp());
    };
    expect(tamper(entry)?.steps[0]!.metrics.me_ppl).toBe(200); // untouched, it loads
    expect(tamper({ ...entry, points: [points[0], { ...points[1], me_ppl: 'x' }] })).toBeNull();
    expect(tamper({ ...entry, points: [points[0], { ...points[1], collapsed: 'yes' }] })).toBeNull();
    expect(tamper({ ...entry, points: [points[0], { ...points[1], tasks: { lambada: '50%' } }] })).toBeNull();
    expect(tamper({ ...entry, points: [points[0], { ...points[1], tasks: [0.5] }] })).toBeNull();
    expect(tamper({ ...entry, points: [points[0]] })).toBeNull(); // one point short
    expect(tamper({ ...entry, points: [points[0], points[1], points[1]] })).toBeNull(); // one too many
    expect(tamper({ ...entry, points: [points[0], null] })).toBeNull();
    expect(tamper({ ...entry, points: 'lots' })).toBeNull();
    expect(tamper({ ...entry, experiment: JSON.stringify(exp(6)) })).toBeNull(); // another experiment under this key
    expect(tamper({ points })).toBeNull();
    expect(tamper('{not json')).toBeNull();
    expect(tamper('null')).toBeNull();
    expect(tamper('[1,2]')).toBeNull();
    expect(tamper('"Infinity"')).toBeNull();
  });

  it('take only checked fields from a hostile entry: no stray fields, no prototype keys, no foreign tasks', () => {
    savePoints(exp(), point(100), [step(point(200))]);
    const [key, entry] = savedEntry();
    const points = entry.points as Record<string, unknown>[];
    const extra = { ...points[1], method: null, request: { subject: '<img src=x onerror=alert(1)>' }, dump: 'x'.repeat(1000), collapseReason: 'r'.repeat(10_000) };
    storage.setItem(key, JSON.stringify({ ...entry, points: [points[0], extra], evil: true }));
    const back = loadPoints(exp())!;
    expect(back.steps[0]).toEqual({ edit: 0, request: edit, method: exp().method, metrics: { me_ppl: 200, ppl_corpus: 400, tasks: { lambada: 0.5 }, collapsed: false, collapseReason: 'r'.repeat(500) } });

    // A task named after an object's own property would reach the prototype or fool an `in` check.
    const withTasks = (tasks: string) => `{"experiment":${JSON.stringify(entry.experiment)},"points":[${JSON.stringify(points[0])},{"me_ppl":1,"ppl_corpus":1,"collapsed":false,"tasks":${tasks}}]}`;
    storage.setItem(key, withTasks('{"__proto__":{"polluted":1}}'));
    expect(loadPoints(exp())).toBeNull();
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    storage.setItem(key, withTasks('{"constructor":0.5}'));
    expect(loadPoints(exp())).toBeNull();
    storage.setItem(key, withTasks('{"<b>x</b>":0.5}'));
    expect(loadPoints(exp())).toBeNull();
    storage.setItem(key, withTasks('{"t0":0.5}')); // not a task the lab scores
    expect(loadPoints(exp())).toBeNull();
    storage.setItem(key, withTasks(JSON.stringify(Object.fromEntries(Object.keys(TASK_INFO).map((t) => [t, 0.5])))));
    expect(Object.keys(loadPoints(exp())!.steps[0]!.metrics.tasks).sort()).toEqual(Object.keys(TASK_INFO).sort());
  });

  it('refuse an oversized entry, read or written, without pushing out the saved ones', () => {
    savePoints(exp(), point(100), [step(point(200))]);
    const [key, entry] = savedEntry();
    // Over the 1 MiB cap but otherwise valid: refused before parsing.
    storage.setItem(key, JSON.stringify({ ...entry, pad: 'x'.repeat(1024 * 1024) }));
    expect(loadPoints(exp())).toBeNull();
    storage.setItem(key, JSON.stringify(entry));

    // An entry that would be over the cap is not written, and evicts nothing.
    savePoints(exp(7), point(1), [step(point(2, { collapseReason: 'r'.repeat(1024 * 1024) }))]);
    expect(loadPoints(exp(7))).toBeNull();
    expect(loadPoints(exp())?.steps[0]!.metrics.me_ppl).toBe(200);
    expect(JSON.parse(storage.getItem(INDEX)!)).toEqual([key]);
  });

  it('fit a 1 000-edit experiment of long prompts under the cap', () => {
    const edits = Array.from({ length: 1000 }, (_, i) => ({ prompt: `${'A long preamble. '.repeat(28)}{} plays`, subject: `Person ${i}`, target_new: `sport ${i}` }));
    const big = exp(5, edits);
    savePoints(
      big,
      point(100),
      edits.map((e, i) => step(point(100 + i, { tasks: { lambada: 0.123456789, piqa: 0.987654321 } }), e)),
    );
    const back = loadPoints(big);
    expect(back?.steps).toHaveLength(1000);
    expect(back?.steps[999]!.metrics.me_ppl).toBe(1099);
    expect(back?.steps[999]!.request).toBe(edits[999]);
  });

  it('do nothing, and never throw, when storage is full or forbidden', () => {
    const full = new MemoryStorage();
    full.setItem = () => {
      throw new DOMException('quota', 'QuotaExceededError');
    };
    (globalThis as { localStorage?: unknown }).localStorage = full;
    expect(() => savePoints(exp(), point(100), [step(point(200))])).not.toThrow();
    expect(loadPoints(exp())).toBeNull();

    const forbidden = {
      getItem: () => {
        throw new DOMException('denied', 'SecurityError');
      },
      setItem: () => {
        throw new DOMException('denied', 'SecurityError');
      },
      removeItem: () => {},
    };
    (globalThis as { localStorage?: unknown }).localStorage = forbidden;
    expect(() => savePoints(exp(), point(100), [step(point(200))])).not.toThrow();
    expect(loadPoints(exp())).toBeNull();

    delete (globalThis as { localStorage?: unknown }).localStorage; // no storage at all (a worker, an old browser)
    expect(() => savePoints(exp(), point(100), [step(point(200))])).not.toThrow();
    expect(loadPoints(exp())).toBeNull();
  });

  it(`keep the last ${MAX_SAVED_EXPERIMENTS} experiments`, () => {
    for (let k = 1; k <= MAX_SAVED_EXPERIMENTS + 2; k++) savePoints(exp(k), point(k), [step(point(k))]);
    expect(loadPoints(exp(1))).toBeNull();
    expect(loadPoints(exp(2))).toBeNull();
    expect(loadPoints(exp(3))?.baseline.me_ppl).toBe(3);
    expect(loadPoints(exp(MAX_SAVED_EXPERIMENTS + 2))?.baseline.me_ppl).toBe(MAX_SAVED_EXPERIMENTS + 2);
    expect(storage.m.size).toBe(MAX_SAVED_EXPERIMENTS + 1); // the entries and the index
    // Saving one again makes it the newest, not a duplicate.
    savePoints(exp(3), point(3), [step(point(3))]);
    savePoints(exp(MAX_SAVED_EXPERIMENTS + 3), point(0), [step(point(0))]);
    expect(loadPoints(exp(3))?.baseline.me_ppl).toBe(3);
    expect(loadPoints(exp(4))).toBeNull();
  });

  it('never remove other keys, whatever the index says', () => {
    storage.setItem('butterfly-lab:session', 'keep me');
    storage.setItem('other-app', 'keep me too');
    storage.setItem(INDEX, JSON.stringify(['butterfly-lab:session', 'other-app', 42, null, ...Array(MAX_SAVED_EXPERIMENTS + 3).fill('butterfly-lab:session')]));
    savePoints(exp(), point(100), [step(point(200))]);
    expect(storage.getItem('butterfly-lab:session')).toBe('keep me');
    expect(storage.getItem('other-app')).toBe('keep me too');
    expect(loadPoints(exp())?.baseline.me_ppl).toBe(100);
    expect((JSON.parse(storage.getItem(INDEX)!) as string[]).every((k) => k.startsWith('butterfly-lab:points:'))).toBe(true);

    storage.setItem(INDEX, '{broken');
    savePoints(exp(6), point(1), [step(point(2))]);
    expect(loadPoints(exp(6))?.baseline.me_ppl).toBe(1);
  });
});
