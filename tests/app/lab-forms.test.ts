// The forms' pure logic: the custom fact, the settings draft, where a shared
// experiment's model may be loaded from, and whether a GPT-2 size fits.
import { describe, expect, it } from 'vitest';
import { applyBlockedReason } from '../../app/apply-blocked.ts';
import { nextDraft } from '../../app/store-facts.ts';
import { validateFact } from '../../app/fact-validation.ts';
import { checkPresetFit } from '../../app/model-fit.ts';
import { resolveModelId } from '../../app/model-location.ts';
import { defaultSettings, draftOf, parseDraft, switchMethod } from '../../app/settings.ts';
import { parseCounterFact, searchCounterFact } from '../../app/counterfact.ts';
import { gpt2Preset } from '../../models/gpt2/presets.ts';

describe('custom fact', () => {
  const ok = { prompt: '{} plays the sport of', subject: 'LeBron James', targetNew: 'football', targetTrue: 'basketball' };
  it('accepts a complete fact and trims it', () => {
    expect(validateFact({ ...ok, subject: '  LeBron James ' }).request).toEqual({ prompt: '{} plays the sport of', subject: 'LeBron James', target_new: 'football', target_true: 'basketball' });
    expect(validateFact({ ...ok, targetTrue: '' }).request).not.toHaveProperty('target_true');
  });
  it('says what is wrong, field by field', () => {
    expect(validateFact({ ...ok, prompt: 'plays the sport of' }).errors.prompt).toMatch(/Put \{\}/);
    expect(validateFact({ ...ok, prompt: '{} and {}' }).errors.prompt).toMatch(/exactly once/);
    expect(validateFact({ ...ok, prompt: '{}' }).errors.prompt).toMatch(/words around/);
    expect(validateFact({ ...ok, prompt: '{} is {a}' }).errors.prompt).toMatch(/one pair/);
    expect(validateFact({ ...ok, subject: ' ' }).errors.subject).toBeTruthy();
    expect(validateFact({ ...ok, targetNew: 'basketball' }).errors.targetNew).toMatch(/same as the true/);
    expect(validateFact({ ...ok, targetNew: 'x'.repeat(501) }).errors.targetNew).toMatch(/At most/);
  });
});

describe('settings draft', () => {
  it('shows the size defaults and round-trips them', () => {
    const s = defaultSettings(48);
    const d = draftOf(s, 48);
    expect(d['method.layer']).toBe('17');
    expect(d['method.v_num_grad_steps']).toBe('20');
    const { settings, errors } = parseDraft(d, 48, s);
    expect(errors).toEqual({});
    expect(settings).toEqual(s);
  });
  it('flags bad numbers inline and keeps literal evaluation texts', () => {
    const base = { ...defaultSettings(4), eval: { texts: ['a b c', 'd e f'], collapse_factor: 10 } };
    const d = { ...draftOf(base, 4), 'method.layer': '4', 'method.v_num_grad_steps': '2.5', 'method.v_lr': 'fast', 'stats.max_tokens': '' };
    const { errors, settings } = parseDraft(d, 4, base);
    expect(errors['method.layer']).toMatch(/between 0 and 3/);
    expect(errors['method.v_num_grad_steps']).toMatch(/whole number/);
    expect(errors['method.v_lr']).toMatch(/not a number/);
    expect(errors['stats.max_tokens']).toBe('required');
    expect(settings.eval.texts).toEqual(['a b c', 'd e f']);
  });
  it('switching method keeps the shared knobs and takes the new method’s own defaults', () => {
    const d = { ...draftOf(defaultSettings(48), 48), 'method.v_num_grad_steps': '7' };
    const memit = switchMethod(d, 'memit', 48);
    expect(memit['method.v_num_grad_steps']).toBe('7');
    expect(memit['method.clamp_norm_factor']).toBe('0.75');
    expect(memit['method.layers']).toBe('13,14,15,16,17');
    const { settings, errors } = parseDraft(memit, 48, defaultSettings(48));
    expect(errors).toEqual({});
    expect(settings.method).toMatchObject({ name: 'memit', layers: [13, 14, 15, 16, 17], mom2_update_weight: 20000 });
    expect(settings.method).not.toHaveProperty('layer');
  });
});

describe('model of a shared experiment', () => {
  it('loads the demo at once, asks before downloading, asks for local folders, refuses URLs', () => {
    expect(resolveModelId('public/models/tiny-gpt2')).toEqual({ kind: 'ready', location: { kind: 'url', url: 'models/tiny-gpt2/' } });
    const hub = resolveModelId('openai-community/gpt2-medium');
    expect(hub.kind).toBe('confirm');
    expect(hub.kind === 'confirm' && hub.preset?.id).toBe('gpt2-medium');
    expect(resolveModelId('./my-gpt2').kind).toBe('pick-files');
    expect(resolveModelId('https://evil.example/model').kind).toBe('refused');
    expect(resolveModelId('javascript:alert(1)').kind).toBe('refused');
    expect(resolveModelId('public/../../etc').kind).toBe('refused');
    expect(resolveModelId('<img src=x>').kind).toBe('refused');
  });
});

describe('model fit', () => {
  const limits = { maxStorageBufferBindingSize: 128 * 2 ** 20, maxBufferSize: 256 * 2 ** 20 };
  it('checks the largest non-embedding tensor against the binding limit', () => {
    expect(checkPresetFit(gpt2Preset('gpt2-xl'), limits, false).blockers).toEqual([]);
    const small = checkPresetFit(gpt2Preset('gpt2-xl'), { maxStorageBufferBindingSize: 32 * 2 ** 20, maxBufferSize: 256 * 2 ** 20 }, false);
    expect(small.blockers[0]).toMatch(/binding limit/);
  });
  it('warns when the total exceeds the memory budget', () => {
    expect(checkPresetFit(gpt2Preset('gpt2'), limits, true).warnings).toEqual([]);
    expect(checkPresetFit(gpt2Preset('gpt2-xl'), limits, false).warnings.join(' ')).toMatch(/GiB of GPU memory/);
  });
});

describe('CounterFact', () => {
  const records = parseCounterFact([
    { case_id: 7, requested_rewrite: { prompt: 'The mother tongue of {} is', subject: 'Danielle Darrieux', relation_id: 'P103', target_new: { str: 'English' }, target_true: { str: 'French' } } },
    { case_id: 8, requested_rewrite: { prompt: 'no slot', subject: 'x', target_new: { str: 'y' } } },
    null,
  ]);
  it('keeps valid records only and searches all their words', () => {
    expect(records.map((r) => r.caseId)).toEqual([7]);
    expect(searchCounterFact(records, 'darrieux english')).toHaveLength(1);
    expect(searchCounterFact(records, '#7')).toHaveLength(1);
    expect(searchCounterFact(records, 'P103 german')).toHaveLength(0);
  });
});

describe('why Apply is disabled', () => {
  const ready = { hasModel: true, dirtySettings: false, fact: true, tab: 'custom' as const, draftError: null, refused: null };
  it('says why, first things first, and is null only when the fact may run', () => {
    expect(applyBlockedReason({ ...ready, hasModel: false })).toBe('Load a model first.');
    expect(applyBlockedReason({ ...ready, fact: false, draftError: 'Put {} where the subject goes.' })).toBe('Fix the fact above first: Put {} where the subject goes.');
    expect(applyBlockedReason({ ...ready, tab: 'counterfact', fact: false })).toMatch(/^Choose a fact first/);
    expect(applyBlockedReason({ ...ready, refused: 'it needs 314 token positions' })).toMatch(/cannot be edited on this model: it needs 314/);
    expect(applyBlockedReason(ready)).toBeNull();
  });
  it('holds a typed fact until the model has checked that it fits (a click before the check started an edit the engine refused)', () => {
    expect(applyBlockedReason({ ...ready, checking: true })).toBe('Checking that this fact fits the model…');
    expect(applyBlockedReason({ ...ready, checking: true, busy: true })).toMatch(/once the running operation ends/);
  });
});

describe('the custom form’s example', () => {
  it('drops the example’s true target once the subject changes, and keeps one the user typed', () => {
    const example = { prompt: '{} plays the sport of', subject: 'LeBron James', targetNew: 'football', targetTrue: 'basketball' };
    expect(nextDraft(example, { subject: 'Danielle Darrieux' }).targetTrue).toBe('');
    expect(nextDraft(example, { targetNew: 'tennis' }).targetTrue).toBe('basketball');
    const typed = { ...example, subject: 'Danielle Darrieux', targetTrue: 'French' };
    expect(nextDraft(typed, { subject: 'Danielle Darrieux ' }).targetTrue).toBe('French');
  });
});
