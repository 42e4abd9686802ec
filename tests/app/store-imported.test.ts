// The app's "Open results" store: files picked together are one result
// (shards merge as `lab import` merges them), a bad pick says why and leaves
// what is open as it was, an experiment whose model cannot run in the browser
// is kept (for download) rather than opened.
import { beforeEach, describe, expect, it } from 'vitest';
import { importedCurve, importedLabel } from '../../app/imported-curve.ts';
import { useImportedResults } from '../../app/store-imported.ts';
import type { Experiment } from '../../models/experiment.ts';
import { mergeResults, RESULT_LIMITS } from '../../models/results.ts';

const line = (v: unknown) => JSON.stringify(v) + '\n';
const EXPERIMENT = { version: 1, model: 'meta-llama/Llama-2-7b-hf', method: { name: 'memit' }, mode: 'single', edits: [] };
const header = (cases: number, experiment: unknown = EXPERIMENT) => line({ type: 'sweep', version: 1, experiment, mode: 'single', edits: Array.from({ length: cases }, () => ({})) });
const baseline = (me = 40) => line({ type: 'baseline', metrics: { me_ppl: me, ppl_corpus: me, tasks: { lambada: 0.5 } } });
const step = (index: number, me: number) =>
  line({ type: 'step', index, metrics: { me_ppl: me, ppl_corpus: me, tasks: { lambada: 0.4 } }, collapsed: me > 400, request: { prompt: 'P{}', subject: `S${index}`, target_new: `T${index}` } });
const file = (name: string, text: string) => new File([text], name, { type: 'application/json' });

const state = () => useImportedResults.getState();

beforeEach(() => {
  useImportedResults.setState({ entries: [], error: null, busy: false, foreign: null });
});

describe('Open results (store)', () => {
  it('merges the shards picked together into one curve: cases in order, a failed case a labelled gap', async () => {
    // Shard 0 of 2 ran cases 0 and 2; shard 1 ran case 1 and failed case 3.
    const s0 = header(4) + baseline() + step(0, 50) + step(2, 800);
    const s1 = header(4) + baseline() + step(1, 60) + line({ type: 'failed', index: 3, error: 'CUDA out of memory' });
    await state().openFiles([file('steps-1-of-2.jsonl', s1), file('steps-0-of-2.jsonl', s0)]);
    expect(state().error).toBeNull();
    expect(state().busy).toBe(false);
    const [e] = state().entries;
    expect(state().entries).toHaveLength(1);
    expect(e!.series.points.map((p) => p.me_ppl)).toEqual([40, 50, 60, 800, NaN]);
    expect(e!.series.points.map((p) => p.collapsed)).toEqual([false, false, false, true, false]);
    expect(e!.series.points[1]!.label).toBe('S0 → T0');
    expect(e!.series.points[4]!.label).toBe('case 3: failed');
    expect(e!.series.points[2]!.tasks).toEqual({ lambada: 0.4 });
    expect(e!.series.frozen).toBe(true);
    expect(e!.series.method).toBe('memit');
    expect(e!.series.label).toBe('MEMIT Llama-2-7b-hf (imported)');
    expect(e!.model).toBe('meta-llama/Llama-2-7b-hf');
    expect(e!.experiment?.model).toBe('meta-llama/Llama-2-7b-hf');
    expect(e!.sources).toEqual(['steps-1-of-2.jsonl', 'steps-0-of-2.jsonl']);
    expect(e!.warnings.join('\n')).toMatch(/1 edit failed \(3\)/);
    expect(e!.shared).toBe(false);
  });

  it('says why a bad pick cannot be read, and leaves what is open as it was', async () => {
    await state().openFiles([file('good.jsonl', header(1) + baseline() + step(0, 50))]);
    const before = state().entries;
    expect(before).toHaveLength(1);

    await state().openFiles([file('broken.jsonl', baseline() + '{"type": "step", nope\n' + step(1, 2))]);
    expect(state().error).toBe('broken.jsonl: line 2 is not valid JSON');
    expect(state().entries).toBe(before);

    // Shards of two different experiments do not merge.
    const other = { ...EXPERIMENT, model: 'EleutherAI/gpt-j-6b' };
    await state().openFiles([file('a.jsonl', header(2) + baseline() + step(0, 50)), file('b.jsonl', header(2, other) + baseline() + step(1, 50))]);
    expect(state().error).toMatch(/b\.jsonl and a\.jsonl come from different experiments/);
    expect(state().entries).toBe(before);

    // Only a baseline: nothing to plot yet.
    await state().openFiles([file('early.jsonl', header(3) + baseline())]);
    expect(state().error).toMatch(/^early\.jsonl: no edit has a result yet/);

    // Too big: refused from its size, before it is read.
    const huge = { name: 'huge.jsonl', size: RESULT_LIMITS.fileBytes + 1, text: () => Promise.reject(new Error('must not be read')) } as unknown as File;
    await state().openFiles([huge]);
    expect(state().error).toBe('huge.jsonl is larger than 64 MiB');
    expect(state().entries).toBe(before);
    expect(state().busy).toBe(false);

    state().dismissError();
    expect(state().error).toBeNull();
  });

  it('plots a result whose experiment the lab cannot parse, but has no experiment to put in a link', async () => {
    const unknown = { ...EXPERIMENT, method: { name: 'grace' } };
    await state().openFiles([file('grace.jsonl', header(1, unknown) + baseline() + step(0, 45))]);
    expect(state().error).toBeNull();
    const [e] = state().entries;
    expect(e!.series.points.map((p) => p.me_ppl)).toEqual([40, 45]);
    expect(e!.experiment).toBeNull();
    expect(e!.model).toBe('meta-llama/Llama-2-7b-hf');
    expect(e!.series.label).toBe('GRACE Llama-2-7b-hf (imported)');
    // Known methods are named as the lab names them.
    const ft = { ...EXPERIMENT, method: { name: 'ft-l' } };
    await state().openFiles([file('ft.jsonl', header(1, ft) + baseline() + step(0, 45))]);
    expect(state().entries[1]!.series.label).toBe('FT-L∞ Llama-2-7b-hf (imported)');
  });

  it('a results file without a header is labelled by its name; cases missing from a shard are gaps', async () => {
    await state().openFiles([file('runs/steps.jsonl', baseline(30) + step(0, 31) + step(2, 33))]);
    const [e] = state().entries;
    expect(e!.series.label).toBe('steps.jsonl (imported)');
    expect(e!.series.points.map((p) => p.me_ppl)).toEqual([30, 31, NaN, 33]);
    expect(e!.series.points[2]!.label).toBe('case 1: no result');
    expect(e!.model).toBeNull();
  });

  it('shared curves are added as link entries; remove takes one off by id', async () => {
    const merged = mergeResults([{ name: 'x.jsonl', text: header(2) + baseline() + step(0, 50) + step(1, 55) }]);
    const c = importedCurve(merged, { id: 'ignored', label: importedLabel(merged) });
    state().addShared([c, { ...c, label: 'second' }]);
    state().addShared([]);
    const entries = state().entries;
    expect(entries.map((e) => [e.series.label, e.shared])).toEqual([
      ['MEMIT Llama-2-7b-hf (imported)', true],
      ['second', true],
    ]);
    // Fresh ids: two curves from one link never collide on the chart.
    expect(new Set(entries.map((e) => e.series.id)).size).toBe(2);
    state().remove(entries[0]!.series.id);
    expect(state().entries.map((e) => e.series.label)).toEqual(['second']);
  });

  it('keeps an experiment aside only when its model cannot run in the browser', () => {
    const llama = { ...EXPERIMENT, method: { name: 'rome' } } as Experiment;
    state().setForeign(llama);
    expect(state().foreign).toBe(llama);
    state().setForeign({ ...llama, model: 'openai-community/gpt2-xl' });
    expect(state().foreign).toBeNull();
    state().setForeign(llama);
    state().setForeign(null);
    expect(state().foreign).toBeNull();
  });
});
