// FT-L∞ on WebGPU reproduces methods.json: the c_proj weight and bias
// gradients at the original weights, the loss trace, the clamp statistics,
// ΔW, the final weights and biases, NLLs and ppl; undo restores every bit.
import { describe, expect, it } from 'vitest';
import { computeFtL, ftLossAndGradients, type FtHparams } from '../models/editing/ft-l.ts';
import { WeightHistory } from '../models/editing/history.ts';
import { loadGpt2TokenizerFromDir } from '../models/tokenizer/tokenizer-node.ts';
import { expectAfter, expectClose, freshModel, methods, rel, TOL } from './helpers/methods-fixture.ts';

const tok = loadGpt2TokenizerFromDir();

function ftHparams(h: Record<string, unknown>): FtHparams {
  return { layers: h.layers as number[], lr: h.lr as number, num_steps: h.num_steps as number, norm_constraint: h.norm_constraint as number, early_stop_loss: h.early_stop_loss as number };
}

// A shared CPU runs these slowly: minutes, not the default two.
describe('FT-L∞ on WebGPU matches methods.json', { timeout: 900_000 }, () => {
  it('c_proj weight and bias gradients at the original weights (grad_at_iteration_0)', async () => {
    const model = await freshModel();
    const step = methods.methods.ft_l_inf.cases.single.steps[0];
    const req = methods.methods.ft_l_inf.cases.single.requests[0];
    const got = await ftLossAndGradients(model, tok, [req], [0]);
    expect(rel(got.loss, step.trace[0].loss)).toBeLessThan(1e-5);
    for (const [name, g] of Object.entries(step.grad_at_iteration_0) as [string, number[] | number[][]][]) {
      expectClose(got.grads!.get(name)!, g.flat(), name, 1e-4);
    }
  });

  for (const method of ['ft_l_inf', 'ft_l_inf_large'] as const) {
    for (const name of ['single', 'sequential'] as const) {
      it(`${method} ${name}: loss trace, clamp, ΔW, final weights and biases, NLLs and ppl`, async () => {
        const fx = methods.methods[method];
        const hp = ftHparams(fx.hparams);
        const model = await freshModel();
        const w0 = await model.ctx.downloadF32(model.weights.blocks[0]!.mlpProj.w);
        const b0 = await model.ctx.downloadF32(model.weights.blocks[0]!.mlpProj.b);
        const history = new WeightHistory(model);
        const c = fx.cases[name];
        for (const step of c.steps) {
          const reqs = step.request_indices.map((i: number) => c.requests[i]);
          const up = await computeFtL(model, tok, reqs, hp, history);
          expect(up.promptIds[0]).toEqual(step.prompt_ids);
          expect(up.targetIds[0]).toEqual(step.target_ids);
          expect(up.losses.length).toBe(step.losses.length);
          up.losses.forEach((l, i) => expect(rel(l, step.losses[i]), `loss ${i}`).toBeLessThan(TOL));
          expect(up.adamSteps).toBe(step.n_adam_steps);
          expect(up.earlyStopped).toBe(step.early_stopped);
          up.trace.forEach((t, i) => expect(rel(t.gradNorm, step.trace[i].grad_norm), `grad norm ${i}`).toBeLessThan(TOL));
          for (const p of up.params) {
            const want = step.delta[p.name];
            expect(rel(p.fro, want.fro), `${p.name} ‖Δ‖`).toBeLessThan(TOL);
            expect(rel(p.maxAbs, want.max_abs)).toBeLessThan(TOL);
            expect(Math.abs(p.sum - want.sum) / (want.fro * Math.sqrt(want.n_elements)), `${p.name} ΣΔ`).toBeLessThan(TOL);
            // Elements whose gradient is ~0 may fall either side of the bound in float32.
            expect(Math.abs(p.atBound - want.n_at_bound), `${p.name} on the clamp`).toBeLessThanOrEqual(Math.ceil(0.002 * want.n_elements));
          }
          if (step.delta_matrix) expectClose(up.deltas[0]!.values, step.delta_matrix.flat(), 'ΔW');
          expect(up.deltas.map((d) => d.param)).toEqual(['h.0.mlp.c_proj.weight', 'h.0.mlp.c_proj.bias']);
          expectClose(up.deltas[1]!.values, step.delta_bias['h.0.mlp.c_proj.bias'], 'Δb');
        }
        expectClose(await model.ctx.downloadF32(model.weights.blocks[0]!.mlpProj.w), c.final.c_proj_weights['h.0.mlp.c_proj.weight'].flat(), 'weight');
        expectClose(await model.ctx.downloadF32(model.weights.blocks[0]!.mlpProj.b), c.final.c_proj_biases['h.0.mlp.c_proj.bias'], 'bias');
        await expectAfter(model, c.final.nll_after, c.final.ppl_after);
        // Undo: weight and bias come back bit-exactly.
        history.truncate(0);
        expect(Array.from(await model.ctx.downloadF32(model.weights.blocks[0]!.mlpProj.w))).toEqual(Array.from(w0));
        expect(Array.from(await model.ctx.downloadF32(model.weights.blocks[0]!.mlpProj.b))).toEqual(Array.from(b0));
      });
    }
  }

  it('cancel leaves the model as it was; bad settings are refused clearly', async () => {
    const model = await freshModel();
    const history = new WeightHistory(model);
    const req = methods.methods.ft_l_inf.cases.single.requests[0];
    const hp = ftHparams(methods.methods.ft_l_inf.hparams);
    const w0 = await model.ctx.downloadF32(model.weights.blocks[0]!.mlpProj.w);
    const ac = new AbortController();
    await expect(computeFtL(model, tok, [req], hp, history, { signal: ac.signal, onStep: (_, it) => it === 1 && ac.abort(new Error('stop')) })).rejects.toThrow('stop');
    expect(history.edits.length).toBe(0);
    expect(Array.from(await model.ctx.downloadF32(model.weights.blocks[0]!.mlpProj.w))).toEqual(Array.from(w0));
    await expect(computeFtL(model, tok, [req], { ...hp, norm_constraint: 0 }, history)).rejects.toThrow(/norm_constraint/);
    await expect(computeFtL(model, tok, [req], { ...hp, layers: [9] }, history)).rejects.toThrow(/does not exist/);
  });
});
