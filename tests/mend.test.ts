// MEND on WebGPU reproduces the float64 PyTorch golden (training/train_mend.py
// --golden): tiny-gpt2 with a random editor on its last two layers. Per
// request and edited weight: the gradient factors u, δ of the kept tokens, the
// editor's ũ, δ̃, a sample of ΔW and its norm; then the target NLL after the
// update applied through the history, and the exact undo.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { WeightHistory } from '../models/editing/history.ts';
import { computeMendUpdate, loadMendEditor, MendError, parseMendConfig } from '../models/editing/mend.ts';
import { nodeGpuContext } from '../models/gpu/node-gpu.ts';
import { loadGpt2 } from '../models/gpt2/load.ts';
import { dirModelFiles } from '../models/gpt2/load-node.ts';
import { scoreSequences } from '../models/gpt2/score.ts';
import { relL2 } from './helpers/compare.ts';

const dir = 'tests/fixtures/mend-tiny';
const golden = JSON.parse(readFileSync(`${dir}/mend-golden.json`, 'utf8'));
const config = parseMendConfig(JSON.parse(readFileSync(`${dir}/mend_editor.json`, 'utf8')));
const editorFile = new Uint8Array(readFileSync(`${dir}/mend_editor.safetensors`));
const rel = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);

async function setup() {
  const model = await loadGpt2(await nodeGpuContext(), dirModelFiles('public/models/tiny-gpt2'));
  const editor = loadMendEditor(model.ctx, config, editorFile, model.config);
  return { model, editor };
}

type Rank1 = { param: string; u: Float32Array; right: Float32Array };

/** ΔW = Σ_k u_k ⊗ right_k of one weight's deltas at flat indices of [din, dout], in float64. */
function deltaAt(ds: Rank1[], dout: number, idx: number[]): number[] {
  return idx.map((i) => {
    const [r, c] = [Math.floor(i / dout), i % dout];
    return ds.reduce((s, d) => s + d.u[r]! * d.right[c]!, 0);
  });
}

function fro(ds: Rank1[], din: number, dout: number): number {
  let s = 0;
  for (let r = 0; r < din; r++)
    for (let c = 0; c < dout; c++) {
      let v = 0;
      for (const d of ds) v += d.u[r]! * d.right[c]!;
      s += v * v;
    }
  return Math.sqrt(s);
}

// Each test loads the model: slow on a software GPU on a busy machine.
describe('MEND on WebGPU matches mend-golden.json', { timeout: 900_000 }, () => {
  for (const [q, req] of (golden.requests as any[]).entries()) {
    it(`request ${q}: "${req.prompt}" → "${req.target}": factors, editor outputs, ΔW, NLL after, exact undo`, async () => {
      const { model, editor } = await setup();
      const up = await computeMendUpdate(model, editor, req.prompt_ids, req.target_ids);
      expect(up.inputIds).toEqual(req.input_ids);
      expect(rel(up.nllBefore, req.nll_before)).toBeLessThan(1e-3);
      expect(up.params.map((p) => `transformer.h.${p.layer}.${p.weight}.weight`)).toEqual(golden.names);
      let froSq = 0;
      for (const p of up.params) {
        const want = req.params[`transformer.h.${p.layer}.${p.weight}.weight`];
        const [din, dout] = config.dims[p.weight];
        const what = `h.${p.layer}.${p.weight}`;
        expect(p.rows.length, what).toBe(want.rows_kept);
        expect(relL2(p.u, want.u.flat()), `${what} u`).toBeLessThan(1e-3);
        expect(relL2(p.delta, want.delta.flat()), `${what} δ`).toBeLessThan(1e-3);
        expect(relL2(p.uTilde, want.u_tilde.flat()), `${what} ũ`).toBeLessThan(1e-3);
        expect(relL2(p.deltaTilde, want.delta_tilde.flat()), `${what} δ̃`).toBeLessThan(1e-3);
        const ds = up.deltas.filter((d) => d.param === `h.${p.layer}.${p.weight}.weight`);
        expect(ds).toHaveLength(want.rows_kept);
        expect(relL2(deltaAt(ds, dout, want.delta_w_index), want.delta_w_sample), `${what} ΔW`).toBeLessThan(1e-3);
        expect(rel(fro(ds, din, dout), want.delta_w_fro), `${what} ‖ΔW‖`).toBeLessThan(1e-3);
        froSq += want.delta_w_fro ** 2;
      }

      expect(rel(up.updateNorm, Math.sqrt(froSq)), '‖ΔW‖ over all weights').toBeLessThan(1e-3);

      // Through the history: the weights move by ΔW, the target's NLL drops as in PyTorch, undo is exact.
      const w = (i: number) => (up.params[i]!.weight === 'mlp.c_fc' ? model.weights.blocks[up.params[i]!.layer]!.fc.w : model.weights.blocks[up.params[i]!.layer]!.mlpProj.w);
      const before = await Promise.all(up.params.map((_, i) => model.ctx.downloadF32(w(i))));
      const history = new WeightHistory(model);
      await history.apply(up.deltas);
      for (const [i, p] of up.params.entries()) {
        const after = await model.ctx.downloadF32(w(i));
        const want = req.params[`transformer.h.${p.layer}.${p.weight}.weight`];
        const got = (want.delta_w_index as number[]).map((k) => after[k]! - before[i]![k]!);
        expect(relL2(got, want.delta_w_sample), `h.${p.layer}.${p.weight} W after − W before`).toBeLessThan(1e-3);
      }
      const [s] = await scoreSequences(model, [[...req.prompt_ids, ...req.target_ids]]);
      const rows = req.target_ids.map((_: number, j: number) => req.prompt_ids.length - 1 + j);
      const nllAfter = rows.reduce((a: number, r: number) => a + s!.nll[r]!, 0) / rows.length;
      expect(rel(nllAfter, req.nll_after)).toBeLessThan(1e-3);
      history.truncate(0);
      for (const [i] of up.params.entries()) expect(Array.from(await model.ctx.downloadF32(w(i)))).toEqual(Array.from(before[i]!));
    });
  }

  it('refuses an editor trained for another model, and a bad config, with a clear message', async () => {
    const { model } = await setup();
    expect(() => loadMendEditor(model.ctx, { ...config, model: { n_layer: 6, n_embd: 128 } }, editorFile, model.config)).toThrow(MendError);
    expect(() => loadMendEditor(model.ctx, { ...config, rank: 7 }, editorFile, model.config)).toThrow(/shape/);
    expect(() => parseMendConfig({ format: 'rome' })).toThrow(/mend-editor/);
    expect(() => parseMendConfig({ ...config, weights: ['attn.c_attn'] })).toThrow(/weights/);
  });
});
