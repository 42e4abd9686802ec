// Frozen comparison curves travel in the share link after the experiment
// ("&cmp="), and come back as they were shown; a hostile curve list is refused
// like any bad link.
import { deflateSync, strToU8 } from 'fflate';
import { describe, expect, it } from 'vitest';
import type { Experiment } from '../../models/experiment.ts';
import type { CurveSeries } from '../../app/curve.ts';
import { TASK_INFO } from '../../models/eval/task-info.ts';
import { decodeExperiment, decodeShare, encodeExperiment, MAX_HASH_LENGTH, MAX_SHARED_COMPARISONS, ShareUrlError } from '../../app/share-codec.ts';

const experiment: Experiment = {
  version: 1,
  model: 'public/models/tiny-gpt2',
  method: { name: 'c-rome', v_num_grad_steps: 5 },
  mode: 'sequential',
  edits: [{ prompt: '{} plays the sport of', subject: 'LeBron James', target_new: 'football' }],
};
const frozen: CurveSeries = {
  id: 'cmp-1',
  label: 'ROME (frozen)',
  method: 'rome',
  frozen: true,
  collapseFactor: 10,
  points: [
    { edit: 0, me_ppl: 51234.5, ppl_corpus: 60000.25, collapsed: false, tasks: { lambada: 0.25 }, label: 'unedited' },
    { edit: 1, me_ppl: Infinity, ppl_corpus: NaN, collapsed: true, tasks: { lambada: 0 }, label: 'LeBron James → football' },
  ],
};
const pack = (v: unknown) => Buffer.from(deflateSync(strToU8(JSON.stringify(v)))).toString('base64url');

describe('comparison curves in the share link', () => {
  it('round-trip with the experiment; a link without them still opens', () => {
    const hash = encodeExperiment(experiment, [frozen]);
    expect(hash).toMatch(/^exp=[\w-]+&cmp=[\w-]+$/);
    const { experiment: exp, comparisons } = decodeShare(`#${hash}`);
    expect(exp).toEqual(experiment);
    expect(comparisons).toEqual([{ ...frozen, id: 'cmp-link-0' }]);
    expect(decodeExperiment(hash)).toEqual(experiment);
    expect(decodeShare(encodeExperiment(experiment)).comparisons).toEqual([]);
  });

  it('round-trip four curves, labels of each edit from the experiment', () => {
    const two = { ...experiment, edits: [...experiment.edits, { prompt: 'The capital of {} is', subject: 'France', target_new: 'Rome' }] };
    const curves = Array.from({ length: MAX_SHARED_COMPARISONS }, (_, i) => ({ ...frozen, id: `c${i}`, label: `curve ${i}`, points: [...frozen.points, { ...frozen.points[1]!, edit: 2, label: 'x' }] }));
    const back = decodeShare(encodeExperiment(two, curves)).comparisons;
    expect(back.map((c) => c.label)).toEqual(['curve 0', 'curve 1', 'curve 2', 'curve 3']);
    expect(back[3]!.points.map((p) => p.label)).toEqual(['unedited', 'LeBron James → football', 'France → Rome']);
    expect(back[3]!.points[2]!.me_ppl).toBe(Infinity);
  });

  const main = encodeExperiment(experiment);
  const bad = (tail: string) => {
    try {
      decodeShare(`${main}&${tail}`);
    } catch (e) {
      expect(e).toBeInstanceOf(ShareUrlError);
      return (e as Error).message;
    }
    throw new Error('accepted');
  };
  const curve = (over: Record<string, unknown> = {}, point: Record<string, unknown> = {}) => ({ label: 'x', method: 'rome', collapseFactor: 10, points: [{ me_ppl: 1, ppl_corpus: 1, collapsed: false, tasks: { lambada: 0.5 }, ...point }], ...over });

  it('refuses a hostile or broken curve list with a message', () => {
    expect(decodeShare(`${main}&cmp=${pack([curve()])}`).comparisons).toHaveLength(1); // the base case is fine
    expect(bad('other=1')).toMatch(/does not know/);
    expect(bad('cmp=!!')).toMatch(/corrupt/);
    expect(bad(`cmp=${pack({ a: 1 })}`)).toMatch(/not a list/);
    expect(bad(`cmp=${pack(Array(5).fill({}))}`)).toMatch(/more than 4/);
    expect(bad(`cmp=${pack([{ label: 'x', method: 'rome', collapseFactor: 10, points: [{ me_ppl: 'lots', ppl_corpus: 1, tasks: {} }] }])}`)).toMatch(/not a number/);
    expect(bad(`cmp=${pack([{ label: 'x', method: 'evil', collapseFactor: 10, points: [] }])}`)).toMatch(/unknown method/);
    expect(bad(`cmp=${pack([{ label: 'x', method: 'rome', collapseFactor: 10, points: [{ me_ppl: 1, ppl_corpus: 1, tasks: { '<b>': 1 } }] }])}`)).toMatch(/unknown tasks/);
    expect(bad(`cmp=${pack([curve({ label: 42 })])}`)).toMatch(/no short label/);
    expect(bad(`cmp=${pack([curve({ label: 'l'.repeat(101) })])}`)).toMatch(/no short label/);
    expect(bad(`cmp=${pack([curve({ collapseFactor: 'Infinity' })])}`)).toMatch(/collapse factor/);
    expect(bad(`cmp=${pack([curve({ collapseFactor: 0 })])}`)).toMatch(/collapse factor/);
    expect(bad(`cmp=${pack([curve({ points: 'many' })])}`)).toMatch(/no list/);
    expect(bad(`cmp=${pack([curve({ points: [null] })])}`)).toMatch(/not an object/);
    expect(bad(`cmp=${pack([curve({}, { tasks: [1] })])}`)).toMatch(/no tasks/);
    expect(bad(`cmp=${pack([curve({}, { tasks: { lambada: '50%' } })])}`)).toMatch(/not a number/);
    expect(bad(`cmp=${pack([curve({}, { tasks: { constructor: 0.5 } })])}`)).toMatch(/unknown tasks/);
    expect(bad(`cmp=${pack(['curve'])}`)).toMatch(/not an object/);
    expect(bad('cmp=')).toMatch(/corrupt|cut short/);
    expect(bad(`cmp=${pack([curve()]).slice(0, 10)}`)).toMatch(/cut short|corrupt/);
    expect(bad(`cmp=${pack([curve()])}&cmp=${pack([curve()])}`)).toMatch(/corrupt/);
  });

  it('takes nothing from a curve but its checked fields: no prototype keys, no stray fields', () => {
    const raw = `[{"label":"x","method":"rome","collapseFactor":10,"id":"live","frozen":false,"evil":"<script>","points":[{"me_ppl":1,"ppl_corpus":1,"collapsed":"yes","tasks":{"__proto__":{"polluted":1}}}]}]`;
    const packRaw = (text: string) => Buffer.from(deflateSync(strToU8(text))).toString('base64url');
    expect(bad(`cmp=${packRaw(raw)}`)).toMatch(/unknown tasks/);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    const [c] = decodeShare(`${main}&cmp=${packRaw(raw.replace('{"__proto__":{"polluted":1}}', '{"lambada":0.5}'))}`).comparisons;
    // A link cannot pose as the live curve or leave it unfrozen; "collapsed" is true only when it says true.
    expect(c).toEqual({ id: 'cmp-link-0', label: 'x', method: 'rome', frozen: true, collapseFactor: 10, points: [{ edit: 0, me_ppl: 1, ppl_corpus: 1, collapsed: false, tasks: { lambada: 0.5 }, label: 'unedited' }] });
  });

  it('bounds oversized curve lists: too many points, tasks the lab does not score, a deflate bomb, a link over the length limit', () => {
    const points = (n: number) => Array.from({ length: n }, () => ({ me_ppl: 1, ppl_corpus: 1, collapsed: false, tasks: {} }));
    expect(decodeShare(`${main}&cmp=${pack([curve({ points: points(1001) })])}`).comparisons[0]!.points).toHaveLength(1001);
    expect(bad(`cmp=${pack([curve({ points: points(1002) })])}`)).toMatch(/at most 1001 points/);
    const every = Object.fromEntries(Object.keys(TASK_INFO).map((t) => [t, 0.5]));
    expect(Object.keys(decodeShare(`${main}&cmp=${pack([curve({}, { tasks: every })])}`).comparisons[0]!.points[0]!.tasks)).toHaveLength(Object.keys(TASK_INFO).length);
    expect(bad(`cmp=${pack([curve({}, { tasks: { ...every, t0: 0.5 } })])}`)).toMatch(/unknown tasks/);

    // 8 MB of spaces deflate to a few kB: unpacking stops at the limit, quickly.
    const bomb = Buffer.from(deflateSync(new Uint8Array(8_000_000).fill(32))).toString('base64url');
    expect(main.length + bomb.length).toBeLessThan(MAX_HASH_LENGTH);
    const t0 = performance.now();
    expect(bad(`cmp=${bomb}`)).toMatch(/too large/);
    expect(performance.now() - t0).toBeLessThan(2000);

    // The length limit counts the whole hash, comparison curves included.
    expect(bad(`cmp=${'A'.repeat(MAX_HASH_LENGTH)}`)).toMatch(/too long/);
  });
});
