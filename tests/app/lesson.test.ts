// The lesson's pure pieces: the hash beside the experiment, the step table,
// the glossary, presets and embed code (the model folder's files and the
// lesson plan: lesson-plan.test.ts).
import { describe, expect, it } from 'vitest';
import { decodeExperiment, encodeExperiment } from '../../app/share-codec.ts';
import { joinHash, splitHash } from '../../app/lesson/hash-params.ts';
import { clampStep, LESSON_CONTENT, LESSON_STEPS, lessonSettings } from '../../app/lesson/lesson-steps.ts';
import { appliesTo, settingRow, type SettingKey } from '../../models/settings-table.ts';
import { GLOSSARY, GLOSSARY_ORDER, plainText, splitTerms } from '../../app/lesson/glossary.ts';
import { NO_EXTRAS } from '../../app/lesson/model-extras.ts';
import { lessonPlan } from '../../app/lesson/lesson-plan.ts';
import { DEMO_MODEL_ID } from '../../app/model-location.ts';
import { PRESETS, presetExperiment } from '../../app/lesson/presets.ts';
import { embedSnippet, embedUrl, isEmbedView } from '../../app/lesson/embed.ts';
import { parseExperiment } from '../../models/experiment.ts';

const sentences = (t: string) => t.split(/(?<=[.!?])\s+/).filter(Boolean).length;

const tablePlan = lessonPlan(NO_EXTRAS);

describe('lesson hash', () => {
  const exp = presetExperiment(PRESETS[0]!, tablePlan, null);
  it('keeps the experiment and the lesson keys apart and round-trips both', () => {
    const h = joinHash({ lesson: 'butterfly', step: '3' }, encodeExperiment(exp));
    expect(h.startsWith('lesson=butterfly&step=3&exp=')).toBe(true);
    const parts = splitHash(`#${h}`);
    expect(parts.lesson).toEqual({ lesson: 'butterfly', step: '3' });
    expect(parts.unknown).toBe(false);
    expect(decodeExperiment(parts.exp!)).toEqual(exp);
  });
  it('reads old links (experiment only) and flags unknown parts', () => {
    const only = splitHash(`#${encodeExperiment(exp)}`);
    expect(only.exp).not.toBeNull();
    expect(only.lesson).toEqual({});
    expect(splitHash('#hello').unknown).toBe(true);
    expect(splitHash('#lesson=<script>').unknown).toBe(true);
    expect(splitHash('').exp).toBeNull();
  });
  it('clamps steps to 1..7', () => {
    expect([clampStep(0), clampStep(3), clampStep(99), clampStep(NaN)]).toEqual([1, 3, LESSON_STEPS.length, 1]);
  });
});

describe('lesson content', () => {
  it('has seven steps of two or three sentences, each with a button and a thing to look at', () => {
    expect(LESSON_STEPS).toHaveLength(7);
    for (const s of LESSON_STEPS) {
      const n = sentences(plainText(s.text));
      expect(n, s.title).toBeGreaterThanOrEqual(2);
      expect(n, s.title).toBeLessThanOrEqual(3);
      expect(s.button.length).toBeGreaterThan(0);
      expect(s.look.length).toBeGreaterThan(0);
    }
  });
  it('links only to glossary entries that exist', () => {
    for (const s of LESSON_STEPS) for (const m of s.text.matchAll(/\]\(([\w-]+)\)/g)) expect(GLOSSARY[m[1]!], m[1]).toBeDefined();
  });
  it('uses valid edits throughout (one "{}" per prompt) and a hard case whose subject opens the prompt', () => {
    const edits = [LESSON_CONTENT.newFact, LESSON_CONTENT.hardFallback, ...LESSON_CONTENT.hardCases, ...LESSON_CONTENT.sequence];
    for (const e of edits) expect(e.prompt.split('{}')).toHaveLength(2);
    for (const h of [LESSON_CONTENT.hardFallback, ...LESSON_CONTENT.hardCases]) expect(h.prompt.startsWith('{}')).toBe(true);
    for (const e of LESSON_CONTENT.sequence) expect(LESSON_CONTENT.hardCases.some((h) => h.subject === e.subject)).toBe(false);
  });
});

describe('lesson settings', () => {
  it('sets only knobs the method reads, at the mined layer (ROME/C-ROME one layer, AlphaEdit a one-layer span)', () => {
    const mined = { layer: 2, stats: { npz: 'stats/layer2_mom2.npz' } };
    for (const kind of ['quick', 'mined'] as const) {
      for (const method of ['rome', 'c-rome', 'alphaedit'] as const) {
        const s = lessonSettings(method, mined, kind);
        for (const k of Object.keys(s.method).filter((k) => k !== 'name' && k !== 'context_templates')) expect(appliesTo(settingRow(`method.${k}` as SettingKey), method), `${method} ${kind} ${k}`).toBe(true);
        if (method === 'alphaedit') expect(s.method.layers).toEqual([2]);
        else expect(s.method.layer).toBe(2);
        expect(s.stats).toEqual(mined.stats);
      }
    }
  });
});

describe('glossary', () => {
  it('has every term the lesson promises, each in at most three sentences', () => {
    expect(GLOSSARY_ORDER).toHaveLength(9);
    for (const id of GLOSSARY_ORDER) {
      const n = sentences(GLOSSARY[id]!.text);
      expect(n, id).toBeGreaterThanOrEqual(1);
      expect(n, id).toBeLessThanOrEqual(3);
    }
  });
  it('splits term markup and leaves unknown ids as text', () => {
    expect(splitTerms('a [ME-PPL](me-ppl) b [x](nope)')).toEqual(['a ', { label: 'ME-PPL', id: 'me-ppl' }, ' b ', 'x']);
  });
});

describe('presets and embed code', () => {
  it('every preset is a valid Experiment on the demo model', () => {
    const records = LESSON_CONTENT.sequence.map(({ caseId, ...request }) => ({ caseId, relation: '', request }));
    for (const p of PRESETS) {
      const exp = presetExperiment(p, tablePlan, records);
      expect(parseExperiment(JSON.parse(JSON.stringify(exp))), p.id).toEqual(exp);
      expect(exp.edits.length, p.id).toBeGreaterThan(0);
      expect(exp.model, p.id).toBe(DEMO_MODEL_ID);
    }
  });
  it('builds an iframe for the step and the experiment', () => {
    const exp = presetExperiment(PRESETS[2]!, tablePlan, null);
    const url = embedUrl('http://localhost:4173', '/', 4, exp);
    expect(url).toMatch(/^http:\/\/localhost:4173\/\?embed=1#lesson=butterfly&step=4&exp=/);
    const snippet = embedSnippet(url, 4);
    expect(snippet).toContain('src="http://localhost:4173/?embed=1#lesson=butterfly&amp;step=4&amp;exp=');
    expect(snippet).toMatch(/^<iframe [^>]*title="[^"]+"[^>]*><\/iframe>$/);
    expect(isEmbedView('?embed=1')).toBe(true);
    expect(isEmbedView('?embed=0')).toBe(false);
  });
});
