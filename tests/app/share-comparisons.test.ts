// Frozen comparison curves travel in the share link after the experiment
// ("&cmp="), and come back as they were shown; a hostile curve list is refused
// like any bad link.
import { deflateSync, strToU8 } from 'fflate';
import { describe, expect, it } from 'vitest';
import type { Experiment } from '../../models/experiment.ts';
import type { CurveSeries } from '../../app/curve.ts';
import { decodeExperiment, decodeShare, encodeExperiment, ShareUrlError } from '../../app/share-codec.ts';

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

  it('refuses a hostile or broken curve list with a message', () => {
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
    expect(bad('other=1')).toMatch(/does not know/);
    expect(bad('cmp=!!')).toMatch(/corrupt/);
    expect(bad(`cmp=${pack({ a: 1 })}`)).toMatch(/not a list/);
    expect(bad(`cmp=${pack(Array(5).fill({}))}`)).toMatch(/more than 4/);
    expect(bad(`cmp=${pack([{ label: 'x', method: 'rome', collapseFactor: 10, points: [{ me_ppl: 'lots', ppl_corpus: 1, tasks: {} }] }])}`)).toMatch(/not a number/);
    expect(bad(`cmp=${pack([{ label: 'x', method: 'evil', collapseFactor: 10, points: [] }])}`)).toMatch(/unknown method/);
    expect(bad(`cmp=${pack([{ label: 'x', method: 'rome', collapseFactor: 10, points: [{ me_ppl: 1, ppl_corpus: 1, tasks: { '<b>': 1 } }] }])}`)).toMatch(/unknown tasks/);
  });
});
