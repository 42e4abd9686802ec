// A link is held against the settings form's own limits (one set of limits: the settings table's),
// and its replay is estimated before anything runs, so a costly link asks first.
import { describe, expect, it } from 'vitest';
import type { Experiment } from '../../models/experiment.ts';
import { estimateReplay, formatDuration, needsConfirmation, settingsProblems } from '../../app/link-check.ts';
import { defaultSettings, draftOf, parseDraft } from '../../app/settings.ts';

const edit = { prompt: 'The mother tongue of {} is', subject: 'Danielle Darrieux', target_new: 'English' };
const small: Experiment = {
  version: 1,
  model: 'public/models/tiny-gpt2',
  method: { name: 'rome', v_num_grad_steps: 5, context_templates: ['{}', 'The following is true. {}'] },
  stats: { texts: 'wikitext2', max_tokens: 2000 },
  mode: 'sequential',
  edits: [edit],
  eval: { texts: ['a short text.'], collapse_factor: 10, tasks: { lambada: 3 } },
};

describe('link limits', () => {
  it('accepts what the form accepts', () => {
    expect(settingsProblems(small)).toEqual([]);
    expect(settingsProblems({ ...small, method: { name: 'c-rome' }, stats: undefined, eval: undefined } as unknown as Experiment)).toEqual([]);
  });

  it('refuses what the settings form refuses, naming the field and the limit', () => {
    const wild = { ...small, method: { ...small.method, v_num_grad_steps: 10_000 }, stats: { texts: 'wikitext2', max_tokens: 5e8 } };
    expect(settingsProblems(wild)).toEqual(['v* steps 10000: between 1 and 1000', 'Statistics tokens 500000000: between 100 and 2000000']);
    // The same values typed into the form are refused by the same rule.
    const s = defaultSettings(4);
    const { errors } = parseDraft({ ...draftOf(s, 4), 'method.v_num_grad_steps': '10000', 'stats.max_tokens': '500000000' }, 4, s);
    expect(Object.keys(errors).sort()).toEqual(['method.v_num_grad_steps', 'stats.max_tokens']);
    expect(settingsProblems({ ...small, eval: { ...small.eval, tasks: { lambada: 100_001 } } })).toEqual(['LAMBADA items 100001: between 0 and 100000']);
    // Unset multi-layer knobs take real defaults, not a span for a fictitious depth; a stated list is still held to the form's bound.
    for (const name of ['memit', 'alphaedit', 'ft-l'] as const) expect(settingsProblems({ ...small, method: { name } })).toEqual([]);
    expect(settingsProblems({ ...small, method: { name: 'memit', layers: Array.from({ length: 65 }, (_, i) => i) } })[0]).toMatch(/more than 64 entries/);
  });
});

describe('replay estimate', () => {
  it('a one-edit link with small settings runs at once; a thousand edits ask first', () => {
    const one = estimateReplay(small, true);
    expect(one.edits).toBe(1);
    expect(one.vSteps).toBe(5);
    expect(needsConfirmation(one)).toBe(false);
    const many = estimateReplay({ ...small, edits: Array.from({ length: 1000 }, () => edit) }, true);
    expect(many.vSteps).toBe(5000);
    expect(many.seconds!).toBeGreaterThan(100 * one.seconds!);
    expect(needsConfirmation(many)).toBe(true);
    expect(needsConfirmation(many, true)).toBe(false); // this browser saved its points: shown at once, verified in the background
  });

  it('grows with v* steps, templates and model size; a GPU is faster', () => {
    const base = estimateReplay(small, true).seconds!;
    expect(estimateReplay({ ...small, method: { ...small.method, v_num_grad_steps: 50 } }, true).seconds!).toBeGreaterThan(base);
    expect(estimateReplay({ ...small, method: { name: 'rome', v_num_grad_steps: 5 } }, true).seconds!).toBeGreaterThan(base); // 21 generated templates
    expect(estimateReplay({ ...small, model: 'openai-community/gpt2' }, true).seconds!).toBeGreaterThan(20 * base);
    expect(estimateReplay(small, false).seconds!).toBeLessThan(base);
  });

  it('a local folder has no size to estimate from: it asks when anything runs', () => {
    const e = estimateReplay({ ...small, model: './my-model' }, true);
    expect(e.seconds).toBeNull();
    expect(needsConfirmation(e)).toBe(true);
    expect(needsConfirmation(estimateReplay({ ...small, model: './my-model', edits: [] }, true))).toBe(false);
  });

  it('says durations in words', () => {
    expect(formatDuration(12)).toBe('about 12 seconds');
    expect(formatDuration(600)).toBe('about 10 minutes');
    expect(formatDuration(3 * 3600)).toBe('about 3 hours');
  });
});
