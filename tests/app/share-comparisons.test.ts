// Frozen comparison curves travel in the share link's one payload, beside the
// experiment's fields ("comparisons"), and come back as they were shown; a
// hostile curve list is refused like any bad link.
import { deflateSync, strToU8 } from 'fflate';
import { describe, expect, it } from 'vitest';
import type { Experiment } from '../../models/experiment.ts';
import type { CurveSeries } from '../../app/curve.ts';
import { TASK_INFO } from '../../models/eval/task-info.ts';
import { comparisonsField, decodeExperiment, decodeShare, decodeSharePayload, encodeExperiment, MAX_HASH_LENGTH, MAX_SHARED_COMPARISONS, ShareUrlError } from '../../app/share-codec.ts';
import { splitHash } from '../../app/lesson/hash-params.ts';
import { readSharedCurves, sharedCurvesField } from '../../app/shared-curves.ts';

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
    const hash = encodeExperiment(experiment, comparisonsField([frozen]));
    expect(hash).toMatch(/^exp=[\w-]+$/); // one payload: nothing after the experiment
    const { experiment: exp, comparisons } = decodeShare(`#${hash}`);
    expect(exp).toEqual(experiment);
    expect(comparisons).toEqual([{ ...frozen, id: 'cmp-link-0' }]);
    expect(decodeExperiment(hash)).toEqual(experiment);
    expect(decodeShare(encodeExperiment(experiment)).comparisons).toEqual([]);
  });

  it('round-trip four curves, labels of each edit from the experiment', () => {
    const two = { ...experiment, edits: [...experiment.edits, { prompt: 'The capital of {} is', subject: 'France', target_new: 'Rome' }] };
    const curves = Array.from({ length: MAX_SHARED_COMPARISONS }, (_, i) => ({ ...frozen, id: `c${i}`, label: `curve ${i}`, points: [...frozen.points, { ...frozen.points[1]!, edit: 2, label: 'x' }] }));
    const back = decodeShare(encodeExperiment(two, comparisonsField(curves))).comparisons;
    expect(back.map((c) => c.label)).toEqual(['curve 0', 'curve 1', 'curve 2', 'curve 3']);
    expect(back[3]!.points.map((p) => p.label)).toEqual(['unedited', 'LeBron James → football', 'France → Rome']);
    expect(back[3]!.points[2]!.me_ppl).toBe(Infinity);
  });

  const main = encodeExperiment(experiment);
  // The experiment's JSON with a "comparisons" field of this value (or raw JSON text), packed as a link packs it.
  const withCmp = (value: unknown, rawText?: string) => `exp=${packRaw(`${JSON.stringify(experiment).slice(0, -1)},"comparisons":${rawText ?? JSON.stringify(value)}}`)}`;
  const packRaw = (text: string) => Buffer.from(deflateSync(strToU8(text))).toString('base64url');
  const refused = (hash: string) => {
    try {
      decodeShare(hash);
    } catch (e) {
      expect(e).toBeInstanceOf(ShareUrlError);
      return (e as Error).message;
    }
    throw new Error('accepted');
  };
  const bad = (value: unknown) => refused(withCmp(value));
  const curve = (over: Record<string, unknown> = {}, point: Record<string, unknown> = {}) => ({ label: 'x', method: 'rome', collapseFactor: 10, points: [{ me_ppl: 1, ppl_corpus: 1, collapsed: false, tasks: { lambada: 0.5 }, ...point }], ...over });

  it('refuses a hostile or broken curve list with a message', () => {
    expect(decodeShare(withCmp([curve()])).comparisons).toHaveLength(1); // the base case is fine
    // Anything after the payload is not part of it: the codec calls it corrupt, the page's hash reader an unknown key.
    expect(refused(`${main}&other=1`)).toMatch(/corrupt/);
    expect(splitHash(`#${main}&cmp=x`).unknown).toBe(true);
    expect(refused(`${main}!!`)).toMatch(/corrupt/);
    expect(bad({ a: 1 })).toMatch(/not a list/);
    expect(bad(Array(5).fill({}))).toMatch(/more than 4/);
    expect(bad([{ label: 'x', method: 'rome', collapseFactor: 10, points: [{ me_ppl: 'lots', ppl_corpus: 1, tasks: {} }] }])).toMatch(/not a number/);
    expect(bad([{ label: 'x', method: 'evil', collapseFactor: 10, points: [] }])).toMatch(/unknown method/);
    expect(bad([{ label: 'x', method: 'rome', collapseFactor: 10, points: [{ me_ppl: 1, ppl_corpus: 1, tasks: { '<b>': 1 } }] }])).toMatch(/unknown tasks/);
    expect(bad([curve({ label: 42 })])).toMatch(/no short label/);
    expect(bad([curve({ label: 'l'.repeat(101) })])).toMatch(/no short label/);
    expect(bad([curve({ collapseFactor: 'Infinity' })])).toMatch(/collapse factor/);
    expect(bad([curve({ collapseFactor: 0 })])).toMatch(/collapse factor/);
    expect(bad([curve({ points: 'many' })])).toMatch(/no list/);
    expect(bad([curve({ points: [null] })])).toMatch(/not an object/);
    expect(bad([curve({}, { tasks: [1] })])).toMatch(/no tasks/);
    expect(bad([curve({}, { tasks: { lambada: '50%' } })])).toMatch(/not a number/);
    expect(bad([curve({}, { tasks: { constructor: 0.5 } })])).toMatch(/unknown tasks/);
    expect(bad(['curve'])).toMatch(/not an object/);
    expect(refused('exp=')).toMatch(/empty/);
    expect(refused(withCmp([curve()]).slice(0, 40))).toMatch(/cut short|corrupt/);
    expect(refused(`${withCmp([curve()])}&exp=${pack([curve()])}`)).toMatch(/corrupt/);
    expect(bad(null)).toMatch(/not a list/); // the field present but empty-handed is refused, not ignored
  });

  it('takes nothing from a curve but its checked fields: no prototype keys, no stray fields', () => {
    const raw = `[{"label":"x","method":"rome","collapseFactor":10,"id":"live","frozen":false,"evil":"<script>","points":[{"me_ppl":1,"ppl_corpus":1,"collapsed":"yes","tasks":{"__proto__":{"polluted":1}}}]}]`;
    expect(refused(withCmp(null, raw))).toMatch(/unknown tasks/);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    const [c] = decodeShare(withCmp(null, raw.replace('{"__proto__":{"polluted":1}}', '{"lambada":0.5}'))).comparisons;
    // A link cannot pose as the live curve or leave it unfrozen; "collapsed" is true only when it says true.
    expect(c).toEqual({ id: 'cmp-link-0', label: 'x', method: 'rome', frozen: true, collapseFactor: 10, points: [{ edit: 0, me_ppl: 1, ppl_corpus: 1, collapsed: false, tasks: { lambada: 0.5 }, label: 'unedited' }] });
  });

  it('bounds oversized curve lists: too many points, tasks the lab does not score, a deflate bomb, a link over the length limit', () => {
    const points = (n: number) => Array.from({ length: n }, () => ({ me_ppl: 1, ppl_corpus: 1, collapsed: false, tasks: {} }));
    expect(decodeShare(withCmp([curve({ points: points(1001) })])).comparisons[0]!.points).toHaveLength(1001);
    expect(bad([curve({ points: points(1002) })])).toMatch(/at most 1001 points/);
    const every = Object.fromEntries(Object.keys(TASK_INFO).map((t) => [t, 0.5]));
    expect(Object.keys(decodeShare(withCmp([curve({}, { tasks: every })])).comparisons[0]!.points[0]!.tasks)).toHaveLength(Object.keys(TASK_INFO).length);
    expect(bad([curve({}, { tasks: { ...every, t0: 0.5 } })])).toMatch(/unknown tasks/);

    // 8 MB of spaces inside the curve list deflate to a few kB: unpacking stops at the limit, quickly.
    const bomb = withCmp(null, `[${' '.repeat(8_000_000)}]`);
    expect(bomb.length).toBeLessThan(MAX_HASH_LENGTH);
    const t0 = performance.now();
    expect(refused(bomb)).toMatch(/too large/);
    expect(performance.now() - t0).toBeLessThan(2000);

    // The length limit counts the whole hash, comparison curves included.
    expect(refused(`${withCmp([curve()])}${'A'.repeat(MAX_HASH_LENGTH)}`)).toMatch(/too long/);
  });

  it('share one payload with imported curves: both come back, each read by its own reader', () => {
    const imported: CurveSeries = { ...frozen, id: 'imp', label: 'EasyEdit run', points: [{ ...frozen.points[0]! }, { ...frozen.points[0]!, edit: 1, me_ppl: 70000, label: 'x' }] };
    const hash = encodeExperiment(experiment, { ...sharedCurvesField([imported]), ...comparisonsField([frozen]) });
    expect(hash).toMatch(/^exp=[\w-]+$/);
    const { experiment: exp, comparisons, raw } = decodeShare(hash);
    expect(exp).toEqual(experiment);
    expect(comparisons).toEqual([{ ...frozen, id: 'cmp-link-0' }]);
    expect(readSharedCurves(raw).map((c) => [c.label, c.points.map((p) => p.me_ppl)])).toEqual([['EasyEdit run', [51234.5, 70000]]]);
    expect(decodeSharePayload(hash).experiment).toEqual(experiment);
    // A bad comparison list refuses the whole link, imported curves and all.
    expect(refused(encodeExperiment(experiment, { ...sharedCurvesField([imported]), comparisons: 'x' }))).toMatch(/not a list/);
  });
});
