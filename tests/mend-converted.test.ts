// A MEND editor converted from the official checkpoint layout (training/convert_mend.py) runs in
// the Lab and moves the weights by the ΔW the OFFICIAL MEND code computes. The fixture is a random
// editor in eric-mitchell/mend's layout for tiny-gpt2 (shared transforms keyed by weight shape,
// inner params in ROME's order: c_proj before c_fc), converted by training/test_convert_mend.py
// --fixture tests/fixtures/mend-converted, which also wrote the golden: the official edit's ΔW in
// float64 from the original checkpoint, not from the converted file. CI has no torch, so this is
// what checks the converter's output there.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { nodeLabEnv } from '../cli/node-env.ts';
import { MemoryStatsStore } from '../models/editing/stats-cache.ts';
import type { EditRequest } from '../models/experiment.ts';
import { dirModelFiles } from '../models/gpt2/load-node.ts';
import { nodeGpuContext } from '../models/gpu/node-gpu.ts';
import { Lab } from '../models/lab.ts';
import { relL2 } from './helpers/compare.ts';

const fixture = 'tests/fixtures/mend-converted';
const golden = JSON.parse(readFileSync(`${fixture}/mend-converted-golden.json`, 'utf8'));
const config = JSON.parse(readFileSync(`${fixture}/mend_editor.json`, 'utf8'));
const seq = JSON.parse(readFileSync('tests/fixtures/tiny-gpt2/sequential.json', 'utf8'));
const texts = seq.forward_texts.slice(0, 1).map((t: { text: string }) => t.text);
// The golden's request: "Angola is located in" → " Antarctica" (one target token).
const request: EditRequest = { prompt: '{} is located in', subject: 'Angola', target_new: 'Antarctica' };
const req = golden.request;
const rel = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);

describe('a MEND editor converted from the official checkpoint layout', { timeout: 900_000 }, () => {
  it('the config says what was converted, with the learned steps negated and in layer order', () => {
    expect(config.format).toBe('mend-editor');
    expect(config.inner_params).toEqual(golden.names);
    const official: string[] = config.converted_from.inner_params_official_order;
    expect(official).toEqual(golden.inner_params_official_order);
    // official W ← W + lr·Σ x̃⊗δ̃; ours ΔW = −edit_lrs·Σ ũ⊗δ̃
    const lrs: number[] = config.converted_from.edit_lrs_official;
    expect(config.edit_lrs).toEqual((golden.names as string[]).map((n) => -lrs[official.indexOf(n)]!));
  });

  it("the Lab's MEND edit with the converted editor is the official ΔW on every edited weight", async () => {
    const lab = new Lab(await nodeGpuContext(), nodeLabEnv({ statsStore: new MemoryStatsStore() }));
    await lab.loadModel(dirModelFiles('public/models/tiny-gpt2'));
    await lab.configure({ method: { name: 'mend', editor: fixture }, mode: 'sequential', eval: { texts } });
    const m = lab.currentModel();
    const weightOf = (name: string) => m.ctx.downloadF32(m.weights.byName.get(name.replace(/^transformer\./, ''))!);
    const before = await Promise.all((golden.names as string[]).map((n) => weightOf(n).then((w) => Float32Array.from(w))));
    const step = await lab.applyEdit(request);
    for (const [i, name] of (golden.names as string[]).entries()) {
      const after = await weightOf(name);
      const want = req.params[name];
      const idx = want.delta_w_index as number[];
      expect(relL2(idx.map((k) => after[k]! - before[i]![k]!), want.delta_w_sample), `ΔW of ${name}`).toBeLessThan(1e-3);
    }
    const fro = Math.hypot(...(golden.names as string[]).map((n) => req.params[n].delta_w_fro));
    expect(rel(step.diagnostics.update_norm, fro), '‖ΔW‖ over the edited weights').toBeLessThan(1e-3);
    expect(rel(step.diagnostics.target_nll_before, req.nll_before), 'NLL before').toBeLessThan(1e-3);
    expect(rel(step.diagnostics.target_nll_after, req.nll_after), 'NLL after').toBeLessThan(1e-3);
  });
});
