import { describe, expect, it } from 'vitest';
import { parseExperiment, parseExperimentJson } from '../models/experiment.ts';

const spec = {
  version: 1,
  model: 'openai-community/gpt2-xl',
  method: {
    name: 'rome', layer: 17, v_num_grad_steps: 20, v_lr: 0.5, v_weight_decay: 0.5,
    clamp_norm_factor: 4, kl_factor: 0.0625, mom2_adjustment: true,
    context_templates: ['{}', 'The following is true. {}'], template_seed: 0,
  },
  stats: { ids: [[464, 3290, 318]] },
  mode: 'sequential',
  edits: [{ prompt: '{} plays the sport of', subject: 'LeBron James', target_new: 'football', target_true: 'basketball' }],
  eval: { texts: ['A sentence to score.'], collapse_factor: 10 },
};

describe('Experiment schema v1', () => {
  it('accepts the spec example unchanged', () => {
    expect(parseExperiment(spec)).toEqual(spec);
  });

  it('drops unknown fields and fills the mode', () => {
    const e = parseExperiment({ ...spec, mode: undefined, extra: '<script>', method: { name: 'c-rome', evil: 1 } });
    expect(e.mode).toBe('sequential');
    expect(e.method).toEqual({ name: 'c-rome' });
    expect('extra' in e).toBe(false);
  });

  it('keeps an explicit "no tasks" (an empty tasks object) apart from unset tasks', () => {
    expect(parseExperiment({ ...spec, eval: { ...spec.eval, tasks: {} } }).eval?.tasks).toEqual({});
    expect(parseExperiment(spec).eval && 'tasks' in parseExperiment(spec).eval!).toBe(false);
    expect(parseExperiment({ ...spec, eval: { ...spec.eval, tasks: { lambada: 5 } } }).eval?.tasks).toEqual({ lambada: 5 });
  });

  it('rejects malformed and hostile input with a clear message', () => {
    expect(() => parseExperimentJson('{"version":1', 'share URL')).toThrow(/share URL is not valid JSON/);
    expect(() => parseExperiment(null)).toThrow(/must be an object/);
    expect(() => parseExperiment({ ...spec, version: 2 })).toThrow(/version must be 1/);
    expect(() => parseExperiment({ ...spec, method: { name: 'rm -rf' } })).toThrow(/not one of/);
    expect(() => parseExperiment({ ...spec, method: { name: 'rome', layer: -1 } })).toThrow(/method.layer/);
    expect(() => parseExperiment({ ...spec, method: { name: 'rome', v_lr: 'NaN' } })).toThrow(/finite number/);
    expect(() => parseExperiment({ ...spec, edits: [{ ...spec.edits[0], prompt: 'no brace' }] })).toThrow(/exactly one "\{\}"/);
    expect(() => parseExperiment({ ...spec, edits: new Array(1001).fill(spec.edits[0]) })).toThrow(/more than 1000/);
    expect(() => parseExperiment({ ...spec, edits: [{ ...spec.edits[0], subject: 'x'.repeat(5000) }] })).toThrow(/longer than/);
    expect(() => parseExperiment({ ...spec, method: { name: 'rome', context_templates: ['A {}'] } })).toThrow(/start with "\{\}"/);
    expect(() => parseExperiment({ ...spec, stats: { ids: [[1, -2]] } })).toThrow(/stats.ids\[0\]\[1\]/);
    expect(() => parseExperiment({ ...spec, eval: { tasks: { '<img>': 5 } } })).toThrow(/invalid task id/);
  });
});
