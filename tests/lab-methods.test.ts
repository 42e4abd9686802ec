// MEMIT (a batch of three in one call), AlphaEdit (three sequential calls:
// the Kp carry) and FT-L∞ (three sequential calls) through the whole path the
// issue names: an Experiment file, `lab run --json --save`, the registry, the
// Lab's history; the saved model's c_proj weights (and FT's biases) and the
// perplexity after match methods.json's independent float64 goldens.
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { nodeGpuContext } from '../models/gpu/node-gpu.ts';
import { loadGpt2 } from '../models/gpt2/load.ts';
import { dirModelFiles } from '../models/gpt2/load-node.ts';
import { expectWeightsByName, methods, templates, covarianceSequences } from './helpers/methods-fixture.ts';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'lab-methods-'));

/* eslint-disable @typescript-eslint/no-explicit-any */
function experiment(method: Record<string, unknown>, c: any) {
  return {
    version: 1,
    model: 'public/models/tiny-gpt2',
    method: { ...method, context_templates: templates },
    stats: { ids: covarianceSequences },
    mode: 'sequential',
    edits: c.requests.map((r: Record<string, string>) => ({ prompt: r.prompt, subject: r.subject, target_new: r.target_new, target_true: r.target_true })),
    eval: { texts: methods.forward_texts.map((t: { text: string }) => t.text) },
  };
}

const h = (m: string) => methods.methods[m].hparams;
const vKnobs = (m: string) => ({ layers: h(m).layers, v_num_grad_steps: h(m).v_num_grad_steps, v_lr: h(m).v_lr, v_weight_decay: h(m).v_weight_decay, clamp_norm_factor: h(m).clamp_norm_factor, kl_factor: h(m).kl_factor });

const CASES = [
  { id: 'memit-batch', fixture: 'memit', case: 'batch', steps: 1, method: { name: 'memit', ...vKnobs('memit'), mom2_update_weight: h('memit').mom2_update_weight, batch_size: 3 } },
  { id: 'alphaedit-sequential', fixture: 'alphaedit', case: 'sequential', steps: 3, method: { name: 'alphaedit', ...vKnobs('alphaedit'), nullspace_threshold: h('alphaedit').nullspace_threshold, L2: h('alphaedit').L2 } },
  { id: 'ft-l-sequential', fixture: 'ft_l_inf', case: 'sequential', steps: 3, method: { name: 'ft-l', layers: h('ft_l_inf').layers, lr: h('ft_l_inf').lr, num_steps: h('ft_l_inf').num_steps, norm_constraint: h('ft_l_inf').norm_constraint } },
] as const;

// Each case is a child process running full edits on a shared CPU: minutes.
describe('lab run reproduces methods.json through the registry', { timeout: 1_200_000 }, () => {
  for (const t of CASES) {
    it(t.id, async () => {
      const c = methods.methods[t.fixture].cases[t.case];
      const file = join(dir, `${t.id}.json`);
      writeFileSync(file, JSON.stringify(experiment(t.method, c)));
      const out = join(dir, `${t.id}-saved`);
      const { stdout } = await run('npx', ['tsx', 'cli/main.ts', 'run', file, '--json', '--save', out], { maxBuffer: 1 << 26, env: { ...process.env, BUTTERFLY_CACHE: join(dir, 'cache') } });
      const result = JSON.parse(stdout);
      expect(result.steps).toHaveLength(t.steps);
      const last = result.steps[t.steps - 1];
      expect(Math.abs(Math.log(last.metrics.ppl_corpus) / Math.log(c.final.ppl_after) - 1)).toBeLessThan(1e-3);
      for (const s of result.steps) expect(s.diagnostics.per_layer.length).toBeGreaterThan(0);
      if (t.fixture === 'memit') expect(result.steps[0].requests).toHaveLength(3);
      if (t.fixture === 'alphaedit') expect(result.steps[0].diagnostics.per_layer.map((p: any) => p.P_rank)).toEqual([135, 147]);
      const model = await loadGpt2(await nodeGpuContext(), dirModelFiles(out));
      await expectWeightsByName(model, c.final.c_proj_weights);
      await expectWeightsByName(model, c.final.c_proj_biases ?? {});
    });
  }
});
