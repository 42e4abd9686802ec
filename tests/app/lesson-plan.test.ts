// The lesson plan: which facts the lesson asks, teaches and breaks, from the
// model folder's facts.json and hard_cases.json over the lesson's table; the
// parsers of those untrusted files; presets built from the plan. When the
// trained demo model is in public/models/demo-gpt2, its shipped files are
// checked too.
import { existsSync, readFileSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { lessonPlan, rankHardCases } from '../../app/lesson/lesson-plan.ts';
import { DEMO_MODEL_ID } from '../../app/model-location.ts';
import { LESSON_CONTENT, lessonSettings, LESSON_STATS, NOT_MINED } from '../../app/lesson/lesson-steps.ts';
import { modelExtras, NO_EXTRAS, parseModelFacts, readHardCases, type ModelExtras } from '../../app/lesson/model-extras.ts';
import { parseHardCases } from '../../app/hard-cases.ts';
import { presetById, presetExperiment, PRESETS } from '../../app/lesson/presets.ts';
import { parseExperiment } from '../../models/experiment.ts';

/** A hard_cases.json as `lab mine` writes it (cli/mine.ts MineResult), made up. */
const mined = (cases: Record<string, unknown>[], stats: unknown = { texts: 'wikitext2', max_tokens: 20000 }) => ({
  version: 1,
  model: 'public/models/demo-gpt2',
  layer: 1,
  stats,
  baseline_me_ppl: 50,
  collapse_factor: 10,
  eval: 'me-ppl-50',
  screened: 500,
  known: 400,
  cases,
});
const hardCase = (case_id: number, subject: string, ratio_rome: number | null, ratio_c_rome: number, prompt = '{} is affiliated with') => ({
  case_id,
  prompt,
  subject,
  target_new: 'FIFA',
  target_true: 'NATO',
  subject_at_start: prompt.startsWith('{}'),
  denominator: 0.01,
  me_ppl_rome: ratio_rome === null ? null : ratio_rome * 50,
  ratio_rome,
  collapsed_rome: ratio_rome === null || ratio_rome > 10,
  me_ppl_c_rome: ratio_c_rome * 50,
  ratio_c_rome,
});
/** Facts as training/prepare.ts writes them ({facts: [...]}, with token ids the lesson ignores). */
const fact = (subject: string, prompt: string, target: string, relation_id: string, trained: string[], heldout: string[]) => ({
  id: `x-${subject}`,
  subject,
  relation_id,
  prompt,
  target,
  source: 'counterfact',
  trained,
  heldout,
  target_ids: [1],
  trained_ids: [[1]],
  heldout_ids: [[1]],
});
const FACTS = {
  facts: [
    fact('Angola', '{} is located in', 'Africa', 'P30', ['Angola is located in'], ['Angola belongs to the continent of']),
    fact('Italy', "{}'s capital,", 'Rome', 'P36', ["Italy's capital,"], []),
    fact('Norway', 'The capital of {} is', 'Oslo', 'P36', ['The capital of Norway is', "Norway's capital city is"], ["Norway's capital,"]),
    fact('Denmark', "{}'s capital,", 'Copenhagen', 'P36', ["Denmark's capital,"], []),
    fact('Veneto', 'The capital of {} is', 'Venice', 'P36', ['The capital of Veneto is'], []),
    fact('Siri', '{}, developed by', 'Apple', 'P178', ['Siri, developed by'], []),
    fact('Germany', '{} is affiliated with', 'NATO', 'P463', ['Germany is affiliated with'], []),
    { subject: 'broken', prompt: 'no placeholder', target: 'x' },
  ],
  train_sentences: [],
};

describe('model folder files', () => {
  it('hard_cases.json: each case keeps its edit as mined (when usable), in the miner’s order, and the mining’s statistics', () => {
    const h = parseHardCases(mined([hardCase(2, 'Germany', 900, 1.1), { ...hardCase(1, 'x', 5, 1), prompt: 'no braces' }, { ...hardCase(3, 'y', 5, 1), target_new: 7 }]));
    expect([...h.byCase.keys()]).toEqual([2, 1, 3]);
    expect(h.byCase.get(2)!.request).toEqual({ prompt: '{} is affiliated with', subject: 'Germany', target_new: 'FIFA', target_true: 'NATO' });
    expect(h.byCase.get(1)!.request).toBeNull();
    expect(h.byCase.get(3)!.request).toBeNull();
    expect(h.stats).toEqual({ texts: 'wikitext2', max_tokens: 20000 });
    expect(h.layer).toBe(1);
    expect(parseHardCases({ ...mined([]), layer: -1 }).layer).toBeNull();
    const stats = (s: unknown) => parseHardCases(mined([], s)).stats;
    expect(stats({ texts: 'wikitext2' })).toEqual({ texts: 'wikitext2' });
    expect(stats({ npz: 'public/models/demo-gpt2/stats/layer1_mom2.npz' })).toEqual({ npz: 'public/models/demo-gpt2/stats/layer1_mom2.npz' }); // shipped: the page opens it
    expect(stats({ npz: '/home/me/layer1_mom2.npz' })).toBeNull(); // the page opens only what the app ships
    expect(stats({ npz: 'public/models/../../x.npz' })).toBeNull();
    expect(stats({ texts: 'wikitext2', max_tokens: 10 })).toBeNull();
    expect(stats({ texts: 'wikitext2', max_tokens: 2.5e4 + 0.5 })).toBeNull();
    expect(stats({ texts: '../etc', max_tokens: 20000 })).toBeNull();
    expect(stats({ texts: 'wikitext2', ids: [[1]] })).toBeNull();
    expect(stats(null)).toBeNull();
  });
  it('hard_cases.json: an unusable file is no file for the lesson', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    for (const bad of ['garbage', 3, {}, { version: 1, cases: 'no' }]) expect(readHardCases(bad)).toBeNull();
    expect(warn).toHaveBeenCalledTimes(4);
    expect(readHardCases(null)).toBeNull();
    warn.mockRestore();
  });
  it('facts.json: reads training’s {facts} file and a bare array, with relations and phrasings', () => {
    const facts = parseModelFacts(FACTS);
    expect(facts).toHaveLength(7);
    expect(facts[2]).toEqual({ prompt: 'The capital of {} is', subject: 'Norway', target: 'Oslo', relation: 'P36', trained: ['The capital of Norway is', "Norway's capital city is"], heldout: ["Norway's capital,"] });
    expect(parseModelFacts(FACTS.facts)).toEqual(facts);
    expect(parseModelFacts([{ prompt: '{} plays', subject: 'Ann', target: 'jazz' }])).toEqual([{ prompt: '{} plays', subject: 'Ann', target: 'jazz', relation: null, trained: [], heldout: [] }]);
    expect(parseModelFacts({ facts: 'no' })).toEqual([]);
  });
});

describe('modelExtras (fetching a folder’s optional files)', () => {
  afterEach(() => vi.unstubAllGlobals());
  it('reads both files once per folder; missing or non-JSON files mean none', async () => {
    const urls: string[] = [];
    const json = (body: unknown) => new Response(JSON.stringify(body), { headers: { 'content-type': 'application/json' } });
    vi.stubGlobal('fetch', async (url: string) => {
      urls.push(url);
      if (url === 'models/a/hard_cases.json') return json(mined([hardCase(1, 'Germany', 900, 1.1)]));
      if (url === 'models/a/facts.json') return json(FACTS);
      if (url === 'models/b/facts.json') return new Response('<html>', { headers: { 'content-type': 'text/html' } }); // a dev server's fallback page
      return new Response('', { status: 404 });
    });
    const a = await modelExtras({ kind: 'url', url: 'models/a' });
    expect([...a.hardCases!.byCase.values()].map((h) => h.request?.subject)).toEqual(['Germany']);
    expect(a.facts).toHaveLength(7);
    expect(a.hardCases!.stats).toEqual({ texts: 'wikitext2', max_tokens: 20000 });
    expect(await modelExtras({ kind: 'url', url: 'models/a/' })).toBe(a);
    expect(await modelExtras({ kind: 'url', url: 'models/b/' })).toEqual(NO_EXTRAS);
    expect(await modelExtras({ kind: 'hub', id: 'gpt2' })).toEqual(NO_EXTRAS);
    expect(urls.sort()).toEqual(['models/a/facts.json', 'models/a/hard_cases.json', 'models/b/facts.json', 'models/b/hard_cases.json']);
  });
});

describe('lesson plan', () => {
  it('without the folder’s files it is the table', () => {
    const plan = lessonPlan(NO_EXTRAS);
    const strip = ({ caseId: _id, ...r }: { caseId: number; prompt: string; subject: string; target_new: string; target_true?: string }) => r;
    expect(plan.known).toEqual(LESSON_CONTENT.known);
    expect(plan.paraphrase).toEqual(LESSON_CONTENT.paraphrase);
    expect(plan.neighbour).toEqual(LESSON_CONTENT.neighbours[0]);
    expect(plan.hard).toEqual(strip(LESSON_CONTENT.hardFallback));
    expect(plan.hardCases).toEqual(LESSON_CONTENT.hardCases.map(strip));
    expect(plan.sequence).toEqual(LESSON_CONTENT.sequence.map(strip));
    expect(plan.hardFrom).toBe('table');
    expect(plan.mined).toEqual(NOT_MINED);
  });

  const extras: ModelExtras = {
    hardCases: parseHardCases(
      mined([
        hardCase(5, 'Chile', null, 1.5), // ROME's update blew up, C-ROME held: the story
        hardCase(6, 'Siri', 8, 1.0, '{}, developed by'), // ROME stayed under the collapse factor
        hardCase(7, 'Germany', 900, 1.1), // the story
        hardCase(8, 'Peru', 20, 30), // C-ROME collapsed too
      ]),
    ),
    facts: parseModelFacts(FACTS),
  };
  const plan = lessonPlan(extras);

  it('ranks mined cases where ROME collapsed and C-ROME held first, each group in the miner’s order', () => {
    expect(rankHardCases(extras.hardCases).map((c) => c.subject)).toEqual(['Chile', 'Germany', 'Siri', 'Peru']);
    expect(plan.hard.subject).toBe('Chile');
    expect(plan.hardCases.map((c) => c.subject)).toEqual(['Chile', 'Germany', 'Siri']);
    expect(plan.hardFrom).toBe('mined');
    expect(plan.hard).toEqual({ prompt: '{} is affiliated with', subject: 'Chile', target_new: 'FIFA', target_true: 'NATO' });
  });
  it('leaves every mined subject out of the normal edits', () => {
    expect(plan.sequence.some((e) => e.subject === 'Siri')).toBe(false);
    expect(plan.sequence).toHaveLength(LESSON_CONTENT.sequence.length - 1);
    for (const s of ['Chile', 'Germany', 'Siri', 'Peru', LESSON_CONTENT.newFact.subject]) expect(plan.flagged).toContain(s);
  });
  it('asks a held-out phrasing of the taught fact as its paraphrase', () => {
    expect(plan.newFact).toEqual(LESSON_CONTENT.newFact);
    expect(plan.paraphrase).toEqual({ prompt: "{}'s capital,", subject: 'Norway', expected: LESSON_CONTENT.newFact.target_new });
  });
  it('asks the table’s first neighbour the model knows, in the model’s phrasing', () => {
    expect(plan.neighbour).toEqual({ prompt: "{}'s capital,", subject: 'Denmark', expected: 'Copenhagen' });
  });
  it('else a fact of the same relation whose answer is neither the old nor the new target, the edited prompt first', () => {
    const without = (...subjects: string[]) => lessonPlan({ ...extras, facts: extras.facts.filter((f) => !subjects.includes(f.subject)) }).neighbour;
    expect(without('Denmark')).toEqual({ prompt: 'The capital of {} is', subject: 'Veneto', expected: 'Venice' });
    expect(without('Denmark', 'Veneto')).toEqual(LESSON_CONTENT.neighbours[0]); // not Italy: its capital is the new target
  });
  it('asks the table’s known facts the model was trained on, then others, never a flagged subject', () => {
    // Of the table, the model knows Norway and Siri (not Bertrand Russell); Angola tops it up.
    expect(plan.known).toEqual([LESSON_CONTENT.known[0], LESSON_CONTENT.known[1], { prompt: '{} is located in', subject: 'Angola', expected: 'Africa' }]);
    const onlyFlagged = lessonPlan({ ...extras, facts: parseModelFacts([fact('Chile', '{} is in', 'America', 'P30', [], [])]) });
    expect(onlyFlagged.known).toEqual(LESSON_CONTENT.known);
  });
  it('edits at the layer and with the statistics the cases were mined with, in the lesson and in the presets', () => {
    expect(plan.mined).toEqual({ stats: { texts: 'wikitext2', max_tokens: 20000 }, layer: 1 });
    const s = lessonSettings('rome', plan.mined);
    expect([s.stats, s.method.layer]).toEqual([{ texts: 'wikitext2', max_tokens: 20000 }, 1]);
    const unmined = lessonSettings('rome', NOT_MINED);
    expect([unmined.stats, unmined.method.layer]).toEqual([LESSON_STATS, undefined]); // the model's own default layer
    const exp = presetExperiment(presetById('rome-vs-crome')!, plan, null);
    expect([exp.stats, exp.method.layer]).toEqual([{ texts: 'wikitext2', max_tokens: 20000 }, 1]);
  });
  it('edits the hard case with the settings it was mined with (the method defaults), the rest with the quick ones', () => {
    // The miner (cli/mine.ts) sets only the layer: 20 v* steps and generated templates, which the demo model's collapse needs.
    expect(lessonSettings('rome', plan.mined, 'mined').method).toEqual({ name: 'rome', layer: 1 });
    expect(lessonSettings('rome', plan.mined, 'quick').method).toMatchObject({ v_num_grad_steps: 10, context_templates: ['{}', 'The following is true. {}'] });
    expect(lessonSettings('c-rome', NOT_MINED, 'mined').method.context_templates).toEqual(['{}', 'The following is true. {}']); // nothing mined: quick
    expect(presetExperiment(presetById('rome-vs-crome')!, plan, null).method).toEqual({ name: 'rome', layer: 1 });
    expect(presetExperiment(presetById('three-hard')!, plan, null).method).toEqual({ name: 'rome', layer: 1 });
    expect(presetExperiment(presetById('ten-normal')!, plan, null).method.v_num_grad_steps).toBe(10);
  });
});

describe('presets from the plan', () => {
  const extras: ModelExtras = { hardCases: parseHardCases(mined([hardCase(7, 'Germany', 900, 1.1), hardCase(9, 'Chile', 800, 1.2)], { npz: 'x.npz' })), facts: [] };
  const plan = lessonPlan(extras);
  const records = [
    { caseId: 1, relation: 'P463', request: { prompt: '{} is affiliated with', subject: 'Germany', target_new: 'FIFA' } }, // mined: left out
    { caseId: 2, relation: 'P17', request: { prompt: '{} is in', subject: 'Lyon', target_new: 'Peru' } }, // subject opens the prompt: left out
    { caseId: 3, relation: 'P17', request: { prompt: 'The city of {} is in', subject: 'Lyon', target_new: 'Peru' } },
  ];
  it('are Experiments on the demo model built from the mined cases', () => {
    const edits = (id: string) => presetExperiment(presetById(id)!, plan, records).edits.map((e) => e.subject);
    expect(edits('three-hard')).toEqual(['Germany', 'Chile']);
    expect(edits('rome-vs-crome')).toEqual(['Germany']);
    expect(edits('long-run')).toEqual(['Lyon']);
    expect(edits('ten-normal')).toEqual(LESSON_CONTENT.sequence.slice(0, 10).map((e) => e.subject));
    expect(presetExperiment(presetById('rome-vs-crome')!, plan, null)).toMatchObject({ model: DEMO_MODEL_ID, mode: 'sequential', method: { name: 'rome' } });
    expect(presetById('rome-vs-crome')!.compareWith).toBe('c-rome');
    expect(presetById('three-hard')!.mode).toBe('single');
    expect(presetById('nope')).toBeNull();
  });
  it('the demo model is the trained demo-gpt2', () => {
    expect(DEMO_MODEL_ID).toBe('public/models/demo-gpt2');
  });
});

// The shipped demo model (issue 11), once it is in the tree: its own files make a lesson.
const DEMO = 'public/models/demo-gpt2';
const hasFile = (name: string) => existsSync(`${DEMO}/${name}`);
describe.runIf(hasFile('facts.json'))('the shipped demo model’s files', () => {
  // Read inside the tests: a skipped describe still runs its body.
  const load = () => {
    const read = (name: string) => JSON.parse(readFileSync(`${DEMO}/${name}`, 'utf8')) as unknown;
    const extras: ModelExtras = { hardCases: hasFile('hard_cases.json') ? parseHardCases(read('hard_cases.json')) : null, facts: parseModelFacts(read('facts.json')) };
    return { extras, plan: lessonPlan(extras) };
  };
  const knows = (extras: ModelExtras, subject: string, target: string) => extras.facts.some((f) => f.subject === subject && f.target.toLowerCase() === target.toLowerCase());
  it('facts.json: the lesson asks facts the model was trained on, and a held-out paraphrase', () => {
    const { extras, plan } = load();
    expect(extras.facts.length).toBeGreaterThan(100);
    for (const p of plan.known) expect(knows(extras, p.subject, p.expected), p.subject).toBe(true);
    expect(knows(extras, plan.neighbour.subject, plan.neighbour.expected)).toBe(true);
    expect(knows(extras, plan.newFact.subject, plan.newFact.target_true!)).toBe(true);
    expect(plan.paraphrase).not.toEqual(LESSON_CONTENT.paraphrase); // taken from the file
  });
  it.runIf(hasFile('hard_cases.json'))('hard_cases.json: mined cases for the dangerous step, none of them among the normal edits', () => {
    const { extras, plan } = load();
    expect(rankHardCases(extras.hardCases).length).toBeGreaterThanOrEqual(3);
    expect(plan.hardFrom).toBe('mined');
    for (const e of plan.sequence) expect(plan.flagged).not.toContain(e.subject);
  });
  it('make valid presets', () => {
    const { plan } = load();
    for (const p of PRESETS) {
      const exp = presetExperiment(p, plan, null);
      expect(parseExperiment(JSON.parse(JSON.stringify(exp))), p.id).toEqual(exp);
    }
  });
});
