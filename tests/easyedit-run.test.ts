// run.py (the script `lab export easyedit` writes) and `lab import`: Python
// compiles it; its self-test passes; with the stub engine (no torch, no
// EasyEdit) its Result lines read back through the import, sharded runs give
// the same curve as one unsharded run, and the experiment round-trips.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildEasyEditExport, writeBundle } from '../cli/export-easyedit.ts';
import { parseExperiment } from '../models/experiment.ts';
import { importedCurve } from '../app/imported-curve.ts';
import { mergeResults, resultJson, ResultsError, stringifyResult } from '../models/results.ts';
import { encodeLine, type SweepLine } from '../cli/sweep-log.ts';

const PYTHON = '/usr/bin/python3';
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function python(dir: string, ...args: string[]) {
  return spawnSync(PYTHON, ['-B', 'run.py', ...args], { cwd: dir, encoding: 'utf8' });
}

const SUBJECTS = ['Paris', 'Danielle Darrieux', 'Edwin of Northumbria', 'Toko Yasuda', 'Autonomous University of Madrid', 'Thomas Joannes Stieltjes', 'Anaal Nathrakh'];
const experiment = (mode: 'single' | 'sequential') => ({
  version: 1,
  model: 'openai-community/gpt2-xl',
  method: { name: 'rome', layer: 17 },
  mode,
  edits: SUBJECTS.map((subject, i) => ({ prompt: i === 0 ? '{} is the capital of' : 'The mother tongue of {} is', subject, target_new: `T${i}` })),
  eval: { texts: ['The quick brown fox jumps over the lazy dog.', 'A sentence of some length to score here.', 'Short one.'], tasks: { piqa: 3 }, collapse_factor: 10 },
});

async function exported(mode: 'single' | 'sequential'): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'easyedit-'));
  dirs.push(dir);
  writeBundle(dir, await buildEasyEditExport(experiment(mode)));
  return dir;
}

const read = (dir: string, names: string[]) => names.map((n) => ({ name: n, text: readFileSync(join(dir, n), 'utf8') }));

describe('run.py', () => {
  it('compiles, and its self-test (writer, sharding, ME-PPL) passes', async () => {
    const dir = await exported('single');
    const c = spawnSync(PYTHON, ['-m', 'py_compile', join(dir, 'run.py')], { encoding: 'utf8' });
    expect(c.status, c.stderr).toBe(0);
    const t = python(dir, '--self-test');
    expect(t.status, t.stderr).toBe(0);
    expect(t.stderr).toContain('self-test: ok');
    // With torch installed (this project's python has it), TorchLM's scoring and the EasyEdit glue are checked too.
    const hasTorch = spawnSync(PYTHON, ['-c', 'import torch'], { encoding: 'utf8' }).status === 0;
    expect(t.stderr.includes('skipped')).toBe(!hasTorch);
  });

  it('sharded runs merge into the same Result and curve as one unsharded run', async () => {
    const dir = await exported('single');
    const whole = python(dir, '--engine', 'stub', '--out', 'whole.jsonl');
    expect(whole.status, whole.stderr).toBe(0);
    for (let i = 0; i < 3; i++) expect(python(dir, '--engine', 'stub', '--shard', `${i}/3`).status).toBe(0);
    const shardFiles = readdirSync(dir).filter((f) => /^steps-\d-of-3\.jsonl$/.test(f)).sort();
    expect(shardFiles).toEqual(['steps-0-of-3.jsonl', 'steps-1-of-3.jsonl', 'steps-2-of-3.jsonl']);
    // Shards given in any order.
    const a = mergeResults(read(dir, ['whole.jsonl']));
    const b = mergeResults(read(dir, [...shardFiles].reverse()));
    expect(b.steps).toEqual(a.steps);
    expect(b.missing).toEqual([]);
    expect(b.warnings).toEqual([]);
    const ca = importedCurve(a, { id: 'a', label: 'a' });
    const cb = importedCurve(b, { id: 'a', label: 'a' });
    expect(cb.points).toEqual(ca.points);
    expect(ca.points).toHaveLength(SUBJECTS.length + 1);
    // The stub collapses exactly the edits whose subject's length is 4 mod 5 (single mode: each on the original model).
    expect(ca.points.slice(1).map((p) => p.collapsed)).toEqual(SUBJECTS.map((s) => s.length % 5 === 4));
    expect(ca.points.every((p) => Number.isFinite(p.me_ppl) && p.me_ppl > 0)).toBe(true);
    expect(Object.keys(ca.points[1]!.tasks)).toEqual(['piqa']);
    // One shard alone: the rest are reported missing and drawn as gaps.
    const part = mergeResults(read(dir, ['steps-1-of-3.jsonl']));
    expect(part.missing.length).toBeGreaterThan(0);
    expect(part.warnings.join()).toMatch(/have no result yet/);
    expect(importedCurve(part, { id: 'p', label: 'p' }).points.filter((p) => Number.isNaN(p.me_ppl))).toHaveLength(part.missing.length);
  });

  it('round-trips the experiment: export → run.py → import gives back what was exported, and the Result re-imports to itself', async () => {
    const dir = await exported('sequential');
    expect(python(dir, '--engine', 'stub').status).toBe(0);
    const merged = mergeResults(read(dir, ['steps.jsonl']));
    expect(merged.experiment).toEqual(parseExperiment(experiment('sequential')));
    expect(merged.mode).toBe('sequential');
    expect(merged.steps.map((s) => s.index)).toEqual(SUBJECTS.map((_, i) => i));
    const again = mergeResults([{ name: 'result.json', text: stringifyResult(resultJson(merged)) }]);
    expect(again.steps).toEqual(merged.steps);
    expect(again.experiment).toEqual(merged.experiment);
    expect(importedCurve(again, { id: 'x', label: 'x' }).points).toEqual(importedCurve(merged, { id: 'x', label: 'x' }).points);
  });

  it('refuses to split a sequential chain over jobs', async () => {
    const dir = await exported('sequential');
    const r = python(dir, '--engine', 'stub', '--shard', '1/2');
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/sequential chain cannot be split/);
  });
});

describe('lab import merging', () => {
  const line = (v: unknown) => JSON.stringify(v) + '\n';
  const header = (model: string) => line({ type: 'sweep', version: 1, experiment: { version: 1, model, method: { name: 'rome' }, mode: 'single', edits: [] }, mode: 'single', edits: [{}, {}] });
  const base = line({ type: 'baseline', metrics: { me_ppl: 50, ppl_corpus: 40, tasks: {} } });
  const step = (index: number, me: number | string) => line({ type: 'step', index, metrics: { me_ppl: me, ppl_corpus: 1, tasks: {}, collapsed: false } });

  it('says when files are not shards of one sweep, or disagree about a case', () => {
    expect(() => mergeResults([{ name: 'a', text: header('gpt2') + base + step(0, 60) }, { name: 'b', text: header('gpt2-xl') + base + step(1, 70) }])).toThrow(/different experiments/);
    expect(() => mergeResults([{ name: 'a', text: header('gpt2') + base + step(0, 60) }, { name: 'b', text: header('gpt2') + base + step(0, 61) }])).toThrow(/case 0 has two different results/);
    expect(() => mergeResults([{ name: 'a', text: 'hello\n' }])).toThrow(ResultsError);
    expect(() => mergeResults([{ name: 'a', text: step(0, 1) }])).toThrow(/no baseline/);
  });

  it('reads a lab sweep log (the lines cli/sweep-log.ts writes)', () => {
    const request = { prompt: '{} is in', subject: 'Paris', target_new: 'Rome' };
    const point = (me: number, collapsed: boolean) => ({ me_ppl: me, ppl_corpus: me / 2, tasks: { lambada: 0.5 }, collapsed, taskMetrics: { lambada: { acc: 0.5, n: 2 } }, per_text_ppl: [me] });
    const lines: SweepLine[] = [
      { type: 'sweep', version: 1, experiment: { version: 1, model: 'gpt2', method: { name: 'rome' }, mode: 'sequential', edits: [request] }, mode: 'sequential', tasks: { lambada: 2 }, seed: 0, edits: [{ case_id: null, request }, { case_id: 7, request }] },
      { type: 'baseline', metrics: point(30, false) },
      { type: 'step', index: 0, case_id: null, edit: 0, request, method: { name: 'rome' }, diagnostics: { denominator: 1, delta_norm: 2, update_norm: 3, subject_at_start: true, v_loss: [1], target_nll_before: 4, target_nll_after: 1 }, metrics: point(Infinity, true), before: { targetProb: 0, generation: '' }, after: { targetProb: 1, generation: '' }, elapsedMs: 5 },
      { type: 'failed', index: 1, case_id: 7, request, error: 'boom' },
    ];
    const r = mergeResults([{ name: 'steps.jsonl', text: lines.map(encodeLine).join('') }]);
    expect(r.baseline).toEqual({ me_ppl: 30, ppl_corpus: 15, tasks: { lambada: 0.5 } });
    expect(r.steps).toHaveLength(1);
    expect(r.steps[0]).toMatchObject({ index: 0, collapsed: true, metrics: { me_ppl: Infinity, tasks: { lambada: 0.5 } }, diagnostics: { denominator: 1 } });
    expect(r.failed).toEqual([{ index: 1, error: 'boom' }]);
    expect(r.missing).toEqual([]);
    expect(r.mode).toBe('sequential');
  });

  it('reads non-finite ME-PPL back as numbers and drops a torn last line', () => {
    const r = mergeResults([{ name: 'a', text: header('gpt2') + base + step(0, 'Infinity') + '{"type":"st' }]);
    expect(r.steps).toHaveLength(1);
    expect(r.steps[0]!.metrics.me_ppl).toBe(Infinity);
    expect(r.missing).toEqual([1]);
  });
});

describe('the commands', () => {
  it('lab export easyedit and lab import work from the command line; bad input is one line and exit status 2', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'easyedit-cli-'));
    dirs.push(dir);
    const expFile = join(dir, 'experiment.json');
    writeFileSync(expFile, JSON.stringify({ ...experiment('single'), model: 'meta-llama/Llama-2-7b-hf', method: { name: 'memit', template_seed: 1 } }));
    const job = join(dir, 'job');
    const lab = (...args: string[]) => spawnSync('npx', ['tsx', 'cli/main.ts', ...args], { encoding: 'utf8', maxBuffer: 1 << 26 });
    const ex = lab('export', 'easyedit', expFile, '--out', job, '--shards', '2');
    expect(ex.status, ex.stderr).toBe(0);
    expect(ex.stderr).toContain('warning: method.template_seed 1');
    expect(readFileSync(join(job, 'slurm.sh'), 'utf8')).toContain('#SBATCH --array=0-1');
    for (const i of [0, 1]) expect(python(job, '--engine', 'stub', '--shard', `${i}/2`).status).toBe(0);
    const im = lab('import', join(job, 'steps-0-of-2.jsonl'), join(job, 'steps-1-of-2.jsonl'));
    expect(im.status, im.stderr).toBe(0);
    const result = JSON.parse(im.stdout) as { steps: { edit: number; metrics: { me_ppl: number } }[]; baseline: { me_ppl: number } };
    expect(result.steps.map((s) => s.edit)).toEqual(SUBJECTS.map((_, i) => i));
    expect(result.baseline.me_ppl).toBeGreaterThan(0);
    const bad = lab('import', expFile);
    expect(bad.status).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toMatch(/^lab: .*no baseline|^lab: .*not a result line/);
  }, 300_000); // three tsx start-ups on a shared, busy machine
});
