// Imported results in the app: the chart draws them with no live curve; a
// share link carries a small imported curve and refuses a big one; links
// with malformed curves keep what is sound; which models run in the browser.
import { describe, expect, it } from 'vitest';
import { runsInBrowser } from '../../app/browser-models.ts';
import { chartRows, referenceSeries } from '../../app/chart-data.ts';
import type { CurveSeries } from '../../app/curve.ts';
import { importedCurve } from '../../app/imported-curve.ts';
import { decodeSharePayload, encodeExperiment } from '../../app/share-codec.ts';
import { curvesTooBigForLink, readSharedCurves, SHARED_CURVE_LIMITS, sharedCurvesField } from '../../app/shared-curves.ts';
import type { Experiment } from '../../models/experiment.ts';
import { mergeResults } from '../../models/results.ts';

const line = (v: unknown) => JSON.stringify(v) + '\n';
function resultsFile(n: number, base = 40): string {
  let text = line({ type: 'sweep', version: 1, experiment: { version: 1, model: 'meta-llama/Llama-2-7b-hf', method: { name: 'memit' }, mode: 'single', edits: [] }, mode: 'single', edits: Array.from({ length: n }, () => ({})) });
  text += line({ type: 'baseline', metrics: { me_ppl: base, ppl_corpus: base, tasks: {} } });
  for (let i = 0; i < n; i++) text += line({ type: 'step', index: i, metrics: { me_ppl: base * (1 + i), ppl_corpus: 1, tasks: {}, collapsed: i >= 10 }, collapsed: i >= 10 });
  return text;
}
const curve = (n: number): CurveSeries => importedCurve(mergeResults([{ name: 'steps.jsonl', text: resultsFile(n) }]), { id: 'i1', label: 'MEMIT (imported)' });
const empty: CurveSeries = { id: 'live', label: 'ROME', method: 'rome', frozen: false, collapseFactor: 10, points: [] };
const EXP: Experiment = { version: 1, model: 'meta-llama/Llama-2-7b-hf', method: { name: 'memit' }, mode: 'single', edits: [] };

describe('imported curves', () => {
  it('are charted with no live curve: rows, domain and the reference baseline come from them', () => {
    const c = curve(12);
    const { rows, domain } = chartRows([empty, c]);
    expect(rows).toHaveLength(13);
    expect(rows[3]!.s1).toBe(120); // after edit 3: case 2, 40 × 3
    expect(rows[3]!.s0).toBeUndefined();
    expect(referenceSeries([empty, c])).toBe(c);
    // The collapse threshold (10 × 40) is in view.
    expect(domain![0]).toBeLessThan(40);
    expect(domain![1]).toBeGreaterThan(480);
  });

  it('ride in a share link when small, and come back as they were (ME-PPL and collapse flags)', () => {
    const c = curve(12);
    expect(curvesTooBigForLink([c])).toBeNull();
    const hash = encodeExperiment(EXP, sharedCurvesField([c]));
    const { experiment, raw } = decodeSharePayload(hash);
    expect(experiment).toEqual(EXP);
    const [back] = readSharedCurves(raw);
    expect(back!.points.map((p) => [p.me_ppl, p.collapsed])).toEqual(c.points.map((p) => [p.me_ppl, p.collapsed]));
    expect(back!.label).toBe(c.label);
  });

  it('are refused in a link when too big, and a hostile link’s curves are bounded', () => {
    const big = curve(SHARED_CURVE_LIMITS.points);
    expect(curvesTooBigForLink([big])).toMatch(/at most 600 imported points/);
    // Over the bounds, or malformed: left out; the sound ones stay.
    const raw = {
      imported: [
        { label: 'ok', method: 'rome', collapse_factor: 10, points: [[10, 0], [null, 0], [20, 1]] },
        { label: 'bad', points: [[-1, 0]] },
        { label: 'huge', points: Array.from({ length: 10_000 }, () => [1, 0]) },
        'junk',
      ],
    };
    const got = readSharedCurves(raw);
    expect(got.map((c) => c.label)).toEqual(['ok']);
    expect(got[0]!.points.map((p) => p.me_ppl)).toEqual([10, NaN, 20]);
    expect(readSharedCurves({ imported: 'x' })).toEqual([]);
  });
});

describe('runsInBrowser', () => {
  it('is true for GPT-2 models and local folders, false for other causal LMs', () => {
    for (const m of ['openai-community/gpt2-xl', 'gpt2', 'distilgpt2', 'sshleifer/tiny-gpt2', 'public/models/tiny-gpt2', './my-model']) expect(runsInBrowser(m), m).toBe(true);
    for (const m of ['meta-llama/Llama-2-7b-hf', 'EleutherAI/gpt-j-6b', 'Qwen/Qwen2.5-7B']) expect(runsInBrowser(m), m).toBe(false);
  });
});
