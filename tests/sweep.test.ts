// `lab sweep`: a sequential ROME sweep over 2 CounterFact cases on the tiny
// model. The log is snapshotted right after step 0 is written (what a kill
// at that moment leaves), a torn half-line is added, and the sweep is
// resumed from it: only step 1 is computed, step 0's exact update is
// re-applied from the log, and the result equals the uninterrupted run's.
// Kept small for SwiftShader: 3 v* steps, 384 tokens of statistics, one
// ME-PPL sentence, and data served through the Lab's env trimmed to size:
// CounterFact cases with 1 paraphrase and 2 neighbourhood prompts, and a
// LAMBADA file of one short passage.
import { execFile } from 'node:child_process';
import { appendFileSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { nodeLabEnv } from '../cli/node-env.ts';
import type { LabEnv } from '../models/lab.ts';
import { runSweep, type SweepConfig } from '../cli/sweep-run.ts';
import type { StepLine, SweepLine } from '../cli/sweep-log.ts';
import { parseExperiment } from '../models/experiment.ts';

const dir = mkdtempSync(join(tmpdir(), 'lab-sweep-'));
const ids = [0, 1, 2].map((s) => Array.from({ length: 128 }, (_, i) => (i * 7919 + s * 104729) % 50000));
const experiment = parseExperiment({
  version: 1,
  model: 'public/models/tiny-gpt2',
  method: { name: 'rome', v_num_grad_steps: 3, context_templates: ['{}'] },
  stats: { ids },
  mode: 'sequential',
  edits: [],
  eval: { texts: ['The cat sat on the mat.'], collapse_factor: 10 },
});
const real = nodeLabEnv({ statsStore: null });
const env: LabEnv = {
  ...real,
  readAsset: async (path, signal) => {
    const text = await real.readAsset(path, signal);
    if (path === 'data/counterfact/counterfact_500.json') {
      const recs = JSON.parse(text).slice(0, 2);
      for (const r of recs) {
        r.paraphrase_prompts = r.paraphrase_prompts.slice(0, 1);
        r.neighborhood_prompts = r.neighborhood_prompts.slice(0, 2);
      }
      return JSON.stringify(recs);
    }
    if (path === 'data/lambada/lambada_openai_test.jsonl') return JSON.stringify({ context: 'She opened the door and saw her', continuation: 'brother' }) + '\n';
    return text;
  },
};
const base = (outDir: string): SweepConfig => ({ experiment, name: 'test', outDir, cases: 2, tasks: { lambada: 1 }, env });
const lines = (path: string): SweepLine[] =>
  readFileSync(path, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as SweepLine);

/** Equal up to float32 noise in numbers; everything else exactly. */
function expectSameRun(got: unknown, want: unknown, path = ''): void {
  if (typeof want === 'number' && typeof got === 'number') {
    expect(Math.abs(got - want), path).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(want)));
  } else if (Array.isArray(want)) {
    expect(Array.isArray(got) && got.length, path).toBe(want.length);
    want.forEach((w, i) => expectSameRun((got as unknown[])[i], w, `${path}[${i}]`));
  } else if (want && typeof want === 'object') {
    const keys = Object.keys(want).filter((k) => k !== 'elapsedMs');
    expect(Object.keys(got as object).filter((k) => k !== 'elapsedMs').sort(), path).toEqual(keys.sort());
    for (const k of keys) expectSameRun((got as Record<string, unknown>)[k], (want as Record<string, unknown>)[k], `${path}.${k}`);
  } else expect(got, path).toEqual(want);
}

describe('lab sweep', () => {
  it('resumes an interrupted sequential sweep without redoing a step, ending where an uninterrupted run ends', async () => {
    const full = join(dir, 'full');
    const cut = join(dir, 'cut');
    mkdirSync(cut);
    const done = await runSweep({
      ...base(full),
      afterStep: (l) => {
        // A kill right after step 0 was flushed, mid-way through writing step 1.
        if (l.index === 0) copyFileSync(join(full, 'steps.jsonl'), join(cut, 'steps.jsonl'));
      },
    });
    appendFileSync(join(cut, 'steps.jsonl'), '{"type":"step","index":1,"case_id":36');
    expect(done.complete).toBe(true);
    expect(done.computed).toEqual([0, 1]);

    const resumed = await runSweep({ ...base(cut), resume: true });
    expect(resumed.computed).toEqual([1]);
    const want = lines(join(full, 'steps.jsonl'));
    const got = lines(join(cut, 'steps.jsonl'));
    expect(got.map((l) => l.type)).toEqual(['sweep', 'baseline', 'step', 'step']);
    expect(got.slice(0, 3)).toEqual(want.slice(0, 3)); // untouched, not rewritten
    expectSameRun(got[3], want[3]);
    const [s0, s1] = [want[2] as StepLine, want[3] as StepLine];
    expect([s0.case_id, s1.case_id]).toEqual([20952, 3648]);
    expect(s1.deltas![0]).toMatchObject({ param: 'h.1.mlp.c_proj.weight' });
    expect((s1.deltas![0] as { u: number[] }).u).toHaveLength(256);
    expect(s1.metrics.edit).toMatchObject({ efficacy: expect.any(Number), locality: expect.any(Number) });
    expect(s1.metrics.tasks).toHaveProperty('lambada');

    const csv = readFileSync(join(cut, 'summary.csv'), 'utf8').trim().split('\n');
    expect(csv).toHaveLength(4);
    expect(csv[0]).toMatch(/^index,case_id,subject,target_new,status,collapsed,me_ppl,ppl_corpus,lambada,efficacy/);
    expect(csv[2]).toMatch(/^0,20952,Angola,Antarctica,ok,/);
    const svg = readFileSync(join(cut, 'curves.svg'), 'utf8');
    expect(svg).toMatch(/^<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(svg.match(/<polyline/g)).toHaveLength(2); // ME-PPL and lambada
    const corr = JSON.parse(readFileSync(join(cut, 'correlation.json'), 'utf8'));
    expect(corr.tasks).toEqual([{ task: 'lambada', n: 2, pearson: null, spearman: null }]); // two points: undefined

    await expect(runSweep(base(full))).rejects.toThrow(/already holds a sweep: pass --resume/);
    await expect(runSweep({ ...base(full), tasks: { piqa: 1 }, resume: true })).rejects.toThrow(/records a different sweep/);
  }, 400_000); // three ROME edits at ~25 s each on SwiftShader, more on a busy machine

  it('the command line: registered, bad flags fail with one line and status 2', async () => {
    const run = promisify(execFile);
    const lab = async (...args: string[]) => {
      try {
        await run('npx', ['tsx', 'cli/main.ts', 'sweep', ...args]);
        return { code: 0, stderr: '' };
      } catch (e) {
        return e as { code: number; stderr: string };
      }
    };
    const [mode, tasks, none] = await Promise.all([
      lab('exp.json', '--mode', 'bogus'),
      lab('exp.json', '--tasks', 'boolq:5'),
      lab(),
    ]);
    expect([mode.code, tasks.code, none.code]).toEqual([2, 2, 2]);
    expect(mode.stderr).toBe('lab: --mode: "bogus" is not one of sequential, single\n');
    expect(tasks.stderr).toMatch(/^lab: --tasks: unknown task "boolq"/);
    expect(none.stderr.trim().split('\n')).toHaveLength(1);
  });
});
