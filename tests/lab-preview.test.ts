// The fact preview shows the numbers the edit itself then uses: the method's
// own denominator (romeLeft, from the same prepared request), P(new target)
// as the edit's "before" outcome measures it, and the top next token, which
// is where greedy generation starts.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { nodeLabEnv } from '../cli/node-env.ts';
import { MemoryStatsStore } from '../models/editing/stats-cache.ts';
import type { EditRequest, MethodName } from '../models/experiment.ts';
import { nodeGpuContext } from '../models/gpu/node-gpu.ts';
import { dirModelFiles } from '../models/gpt2/load-node.ts';
import { Lab } from '../models/lab.ts';

const seq = JSON.parse(readFileSync('tests/fixtures/tiny-gpt2/sequential.json', 'utf8'));
const rome = JSON.parse(readFileSync('tests/fixtures/tiny-gpt2/rome.json', 'utf8'));
const r = seq.requests[0] as Record<string, string>;
const request: EditRequest = { prompt: r.prompt!, subject: r.subject!, target_new: r.target_new!, target_true: r.target_true };
const texts = seq.forward_texts.map((t: { text: string }) => t.text);

describe('fact preview', () => {
  for (const name of ['rome', 'c-rome'] as MethodName[]) {
    it(`${name}: before statistics no denominator; after, the edit's own, and the edit's P(target) and first token`, async () => {
      const lab = new Lab(await nodeGpuContext(), nodeLabEnv({ statsStore: new MemoryStatsStore() }));
      await lab.loadModel(dirModelFiles('public/models/tiny-gpt2'));
      const settings = {
        method: { name, layer: 1, v_num_grad_steps: 2, context_templates: ['{}', 'The following is true. {}'] },
        mode: 'single' as const,
        stats: { ids: rome.covariance.sequences.slice(0, 12) },
        eval: { texts },
      };
      await lab.configure(settings);
      expect((await lab.previewFact(request)).denominator).toBeNull(); // previews never start statistics

      await lab.configure(settings, { prepare: true });
      const p = await lab.previewFact(request);
      expect(p.subjectLastIndex).toBeGreaterThanOrEqual(0);
      expect(p.targetTrueProb).not.toBeNull();
      const step = await lab.applyEdit(request);
      expect(p.denominator).toBe(step.diagnostics.denominator);
      expect(Math.abs(Math.log(p.targetNewProb) + step.diagnostics.target_nll_before)).toBeLessThan(1e-5);
      expect(step.before.generation.startsWith(p.topPrediction.token)).toBe(true);
      expect(p.topPrediction.prob).toBeGreaterThan(0);
      expect(p.topPrediction.prob).toBeLessThanOrEqual(1);
    }, 600_000);
  }
});
