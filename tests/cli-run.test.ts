// `lab run` replays sequential.json's three ROME edits through the Experiment
// schema and reproduces the independent float64 goldens; --save writes a model
// our loader reads back with the edits in it.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { nodeGpuContext } from '../models/gpu/node-gpu.ts';
import { loadGpt2 } from '../models/gpt2/load.ts';
import { dirModelFiles } from '../models/gpt2/load-node.ts';
import { relL2 } from './helpers/compare.ts';

const run = promisify(execFile);
const seq = JSON.parse(readFileSync('tests/fixtures/tiny-gpt2/sequential.json', 'utf8'));
const rome = JSON.parse(readFileSync('tests/fixtures/tiny-gpt2/rome.json', 'utf8'));
const dir = mkdtempSync(join(tmpdir(), 'lab-run-'));

function experiment(name: string) {
  return {
    version: 1,
    model: 'public/models/tiny-gpt2',
    method: { name, layer: 1, context_templates: seq.context_templates.map((c: { template: string }) => c.template) },
    stats: { ids: rome.covariance.sequences },
    mode: 'sequential',
    edits: seq.requests.map((r: Record<string, string>) => ({ prompt: r.prompt, subject: r.subject, target_new: r.target_new, target_true: r.target_true })),
    eval: { texts: seq.forward_texts.map((t: { text: string }) => t.text) },
  };
}

describe('lab run', () => {
  it('reproduces sequential.json (ROME, three edits) and saves the edited model', async () => {
    const file = join(dir, 'rome.json');
    writeFileSync(file, JSON.stringify(experiment('rome')));
    const out = join(dir, 'saved');
    const { stdout, stderr } = await run('npx', ['tsx', 'cli/main.ts', 'run', file, '--json', '--dump', '--save', out, '--counters'], { maxBuffer: 1 << 26, env: { ...process.env, BUTTERFLY_CACHE: join(dir, 'cache') } });
    const result = JSON.parse(stdout);
    // --counters: the engine's work per stage on stderr (counting leaves the results, checked below, alone).
    const { counters } = JSON.parse(stderr.trim().split('\n').at(-1)!);
    for (const stage of ['statistics', 'edit', 'evaluate']) expect(counters[stage]?.dispatches, stage).toBeGreaterThan(0);
    expect(counters.edit.readbacks).toBeGreaterThan(0);
    expect(Math.abs(Math.log(result.baseline.ppl_corpus) - Math.log(seq.baseline.ppl))).toBeLessThan(1e-4);
    const want = seq.variants.rome.steps;
    expect(result.steps).toHaveLength(3);
    result.steps.forEach((s: any, i: number) => {
      expect(relL2(s.dump.k_star, want[i].k_star)).toBeLessThan(1e-3);
      expect(relL2(s.dump.u, want[i].left_vector)).toBeLessThan(1e-3);
      expect(relL2(s.dump.v_star, want[i].v_star)).toBeLessThan(1e-3);
      expect(relL2(s.dump.right, want[i].right_vector)).toBeLessThan(1e-3);
      expect(Math.abs(s.diagnostics.denominator / want[i].denominator - 1)).toBeLessThan(1e-3);
      expect(s.diagnostics.v_loss).toHaveLength(want[i].losses.length);
      expect(Math.abs(Math.log(s.metrics.ppl_corpus) - Math.log(want[i].ppl_after))).toBeLessThan(1e-3);
    });
    // The saved model carries all three edits.
    const model = await loadGpt2(await nodeGpuContext(), dirModelFiles(out));
    const w = await model.ctx.downloadF32(model.weights.blocks[1]!.mlpProj.w);
    expect(relL2(w, seq.variants.rome.final_c_proj_weight.flat())).toBeLessThan(1e-3);
    const before = await loadGpt2(await nodeGpuContext(), dirModelFiles('public/models/tiny-gpt2'));
    const w0 = await before.ctx.downloadF32(before.weights.blocks[0]!.mlpProj.w);
    expect(Array.from(await model.ctx.downloadF32(model.weights.blocks[0]!.mlpProj.w))).toEqual(Array.from(w0));
  }, 300_000); // a CLI child process doing three edits: slow when the machine is shared

  it('refuses a malformed experiment with one line and a non-zero status', async () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ ...experiment('rome'), method: { name: 'rome', layer: 99 } }));
    const err = await run('npx', ['tsx', 'cli/main.ts', 'run', bad, '--json']).catch((e) => e);
    expect(err.code).not.toBe(0);
    expect(err.stdout).toBe('');
    expect(err.stderr.trim().split('\n')).toHaveLength(1);
    expect(err.stderr).toMatch(/method\.layer must be between 0 and 3 .*got 99/);
    const notJson = join(dir, 'not.json');
    writeFileSync(notJson, '{"version": 1,');
    const err2 = await run('npx', ['tsx', 'cli/main.ts', 'run', notJson]).catch((e) => e);
    expect(err2.stderr).toMatch(/not valid JSON/);
    // a settings flag is checked against its row, like the file
    const err3 = await run('npx', ['tsx', 'cli/main.ts', 'run', join(dir, 'rome.json'), '--layer', '99']).catch((e) => e);
    expect(err3.code).not.toBe(0);
    expect(err3.stderr).toMatch(/method\.layer must be between 0 and 3 .*got 99/);
  });

  it('takes any settings-table row as a flag over the file', async () => {
    const file = join(dir, 'one.json');
    writeFileSync(file, JSON.stringify({ ...experiment('rome'), edits: experiment('rome').edits.slice(0, 1) }));
    const { stdout } = await run('npx', ['tsx', 'cli/main.ts', 'run', file, '--json', '--v-steps', '3', '--mode', 'single'], { maxBuffer: 1 << 26, env: { ...process.env, BUTTERFLY_CACHE: join(dir, 'cache') } });
    const result = JSON.parse(stdout);
    expect(result.steps).toHaveLength(1);
    expect(result.steps[0].diagnostics.v_loss).toHaveLength(3);
  });
});
