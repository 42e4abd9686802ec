// MEND through the Lab: the editor is found in the model's folder (or where
// method.editor points), the edit moves the weights by the golden's ΔW, undo
// is exact, and a model without an editor is refused with a clear message
// and untouched weights.
import { copyFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { nodeLabEnv } from '../cli/node-env.ts';
import { MemoryStatsStore } from '../models/editing/stats-cache.ts';
import type { EditRequest, MethodSpec } from '../models/experiment.ts';
import { dirModelFiles } from '../models/gpt2/load-node.ts';
import { nodeGpuContext } from '../models/gpu/node-gpu.ts';
import { Lab } from '../models/lab.ts';
import { relL2 } from './helpers/compare.ts';

const fixture = 'tests/fixtures/mend-tiny';
const golden = JSON.parse(readFileSync(`${fixture}/mend-golden.json`, 'utf8'));
const seq = JSON.parse(readFileSync('tests/fixtures/tiny-gpt2/sequential.json', 'utf8'));
const texts = seq.forward_texts.slice(0, 1).map((t: { text: string }) => t.text);
// The golden's first request ("Angola is located in" → " Antarctica", one target token).
const request: EditRequest = { prompt: '{} is located in', subject: 'Angola', target_new: 'Antarctica' };
const g0 = golden.requests[0];
const fcName = golden.names[0] as string; // transformer.h.{L-2}.mlp.c_fc.weight

/** tiny-gpt2 with the golden's editor beside it, as train_mend.py leaves a model folder. */
function folderWithEditor(): string {
  const dir = mkdtempSync(join(tmpdir(), 'mend-model-'));
  for (const f of ['config.json', 'model.safetensors']) copyFileSync(`public/models/tiny-gpt2/${f}`, join(dir, f));
  for (const f of ['mend_editor.json', 'mend_editor.safetensors']) copyFileSync(`${fixture}/${f}`, join(dir, f));
  return dir;
}

async function labOn(dir: string, method: MethodSpec) {
  const lab = new Lab(await nodeGpuContext(), nodeLabEnv({ statsStore: new MemoryStatsStore() }));
  await lab.loadModel(dirModelFiles(dir));
  await lab.configure({ method, mode: 'sequential', eval: { texts } });
  return lab;
}

function weightOf(lab: Lab, name: string): Promise<Float32Array> {
  const m = lab.currentModel();
  return m.ctx.downloadF32(m.weights.byName.get(name.replace(/^transformer\./, ''))!);
}

// Each test loads the model and scores a baseline: slow on a software GPU.
describe('MEND in the Lab', { timeout: 900_000 }, () => {
  it("finds the editor in the model's folder; the edit is the golden's ΔW; undo is bit-exact", async () => {
    const lab = await labOn(folderWithEditor(), { name: 'mend' });
    const w0 = Float32Array.from(await weightOf(lab, fcName));
    const step = await lab.applyEdit(request);
    const w1 = await weightOf(lab, fcName);
    const idx = g0.params[fcName].delta_w_index as number[];
    expect(relL2(idx.map((i) => w1[i]! - w0[i]!), g0.params[fcName].delta_w_sample), 'ΔW of c_fc').toBeLessThan(1e-3);
    // One target token: the target's NLL is −log p(target).
    expect(Math.abs(step.diagnostics.target_nll_after - g0.nll_after) / g0.nll_after).toBeLessThan(1e-3);
    expect(Math.abs(step.diagnostics.target_nll_before - g0.nll_before) / g0.nll_before).toBeLessThan(1e-3);
    const fro = Math.hypot(...golden.names.map((n: string) => g0.params[n].delta_w_fro));
    expect(Math.abs(step.diagnostics.update_norm - fro) / fro).toBeLessThan(1e-3);
    await lab.undo(0);
    expect(Array.from(await weightOf(lab, fcName))).toEqual(Array.from(w0));
  });

  it('method.editor names the editor elsewhere; edit_lr replaces the learned step; layers picks a subset', async () => {
    const editor = `${fixture}/mend_editor.safetensors`;
    const lab = await labOn('public/models/tiny-gpt2', { name: 'mend', editor });
    const w0 = Float32Array.from(await weightOf(lab, fcName));
    await lab.applyEdit(request);
    const w1 = await weightOf(lab, fcName);
    const idx = g0.params[fcName].delta_w_index as number[];
    expect(relL2(idx.map((i) => w1[i]! - w0[i]!), g0.params[fcName].delta_w_sample)).toBeLessThan(1e-3);
    lab.reset();

    // η = 0: no change at all.
    await lab.configure({ method: { name: 'mend', editor, edit_lr: 0 }, mode: 'sequential', eval: { texts } });
    const s0 = await lab.applyEdit(request);
    expect(s0.diagnostics.update_norm).toBe(0);
    expect(Array.from(await weightOf(lab, fcName))).toEqual(Array.from(w0));
    lab.reset();

    // Only the last layer: the earlier edited layer's c_fc stays as it was.
    const last = golden.layers[1] as number;
    await lab.configure({ method: { name: 'mend', editor, layers: [last] }, mode: 'sequential', eval: { texts } });
    await lab.applyEdit(request);
    expect(Array.from(await weightOf(lab, fcName))).toEqual(Array.from(w0));
    lab.reset();

    await lab.configure({ method: { name: 'mend', editor, layers: [0] }, mode: 'sequential', eval: { texts } });
    await expect(lab.applyEdit(request)).rejects.toThrow(/layer 0 is not one the editor was trained for/);
    expect(lab.stepList).toHaveLength(0);
  });

  it("refuses a model whose folder has no editor, with a clear message, and leaves the weights alone", async () => {
    const lab = await labOn('public/models/tiny-gpt2', { name: 'mend' });
    const w0 = Float32Array.from(await weightOf(lab, fcName));
    await expect(lab.applyEdit(request)).rejects.toThrow(/no mend_editor\.json.*--editor/);
    await expect(lab.configure({ method: { name: 'mend' }, mode: 'sequential', eval: { texts } }, { prepare: true })).rejects.toThrow(/mend_editor/);
    expect(lab.stepList).toHaveLength(0);
    expect(Array.from(await weightOf(lab, fcName))).toEqual(Array.from(w0));
    await expect(labOn('public/models/tiny-gpt2', { name: 'mend', editor: 'no/such/editor.safetensors' }).then((l) => l.applyEdit(request))).rejects.toThrow(/no\/such\/editor/);
  });
});
