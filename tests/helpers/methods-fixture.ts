// methods.json (MEMIT, AlphaEdit, FT-L∞ goldens, see METHODS.md) and what
// every method test needs: the model fresh from disk, C of the edited layers
// from rome.json's covariance sequences, and the after-edit measurements.
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import { keyCovariance } from '../../models/editing/covariance.ts';
import type { MultiLayerHparams } from '../../models/editing/memit-core.ts';
import { nodeGpuContext } from '../../models/gpu/node-gpu.ts';
import { loadGpt2 } from '../../models/gpt2/load.ts';
import { dirModelFiles } from '../../models/gpt2/load-node.ts';
import type { Gpt2Model } from '../../models/gpt2/model.ts';
import { scoreSequences } from '../../models/gpt2/score.ts';
import { relL2 } from './compare.ts';

/* eslint-disable @typescript-eslint/no-explicit-any */
export const methods: any = JSON.parse(readFileSync('tests/fixtures/tiny-gpt2/methods.json', 'utf8'));
const rome: any = JSON.parse(readFileSync('tests/fixtures/tiny-gpt2/rome.json', 'utf8'));
export const templates: string[] = methods.context_templates.map((c: { template: string }) => c.template);
export const covarianceSequences: number[][] = rome.covariance.sequences;
export const TOL = 1e-3;

export const rel = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);

export async function freshModel(): Promise<Gpt2Model> {
  return loadGpt2(await nodeGpuContext(), dirModelFiles('public/models/tiny-gpt2'));
}

/** C_l for each layer, from the (unedited) model, checked against the fixture's trace and Frobenius norm. */
export async function layerStats(model: Gpt2Model, layers: readonly number[]): Promise<Map<number, Float64Array>> {
  const out = new Map<number, Float64Array>();
  for (const l of layers) {
    const s = await keyCovariance(model, l, covarianceSequences);
    const want = methods.covariance.layers[String(l)];
    let tr = 0;
    let fro = 0;
    for (let i = 0; i < s.dim; i++) tr += s.C[i * s.dim + i]!;
    for (const x of s.C) fro += x * x;
    expect(rel(tr, want.trace)).toBeLessThan(1e-5);
    expect(rel(Math.sqrt(fro), want.fro)).toBeLessThan(1e-5);
    out.set(l, s.C);
  }
  return out;
}

export function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, what: string, tol = TOL): void {
  expect(got.length, what).toBe(want.length);
  expect(relL2(got, want), what).toBeLessThan(tol);
}

/** Target NLLs (rome.md step 9) and ppl of the forward texts, on the model as it is, against a fixture record. */
export async function expectAfter(model: Gpt2Model, nllAfter: any[], pplAfter: number, tol = TOL): Promise<void> {
  for (const rec of nllAfter) {
    for (const which of ['target_new', 'target_true'] as const) {
      const t = rec[which];
      const [s] = await scoreSequences(model, [[...t.prompt_ids, ...t.target_ids]]);
      const per = Array.from(s!.nll.slice(t.prompt_ids.length - 1));
      expectClose(per, t.per_token, `${which} NLL`, tol);
    }
  }
  const scores = await scoreSequences(model, methods.forward_texts.map((t: { ids: number[] }) => t.ids));
  const all = scores.flatMap((s) => Array.from(s.nll));
  const logPpl = all.reduce((a, b) => a + b, 0) / all.length;
  expect(Math.abs(logPpl - Math.log(pplAfter)) / Math.log(pplAfter), 'log ppl').toBeLessThan(tol);
}

/** Σ and L2 of a weight, against a fixture checksum. */
export function expectChecksum(w: ArrayLike<number>, want: { sum: number; l2: number }, what: string): void {
  let s = 0;
  let q = 0;
  for (let i = 0; i < w.length; i++) {
    s += w[i]!;
    q += w[i]! * w[i]!;
  }
  expect(rel(Math.sqrt(q), want.l2), `${what} L2`).toBeLessThan(TOL);
  // The sum cancels: compare it against the L2 scale.
  expect(Math.abs(s - want.sum) / want.l2, `${what} sum`).toBeLessThan(TOL);
}

/** Each named weight (methods.json's "h.1.mlp.c_proj.weight" keys) against its fixture checksum. */
export async function expectChecksumsByName(model: Gpt2Model, checksums: Record<string, { sum: number; l2: number }>): Promise<void> {
  for (const [name, sum] of Object.entries(checksums)) expectChecksum(await model.ctx.downloadF32(model.weights.byName.get(name)!), sum, name);
}

/** Each named weight or bias against its fixture values (matrices flattened row-major). */
export async function expectWeightsByName(model: Gpt2Model, weights: Record<string, number[][] | number[]>): Promise<void> {
  for (const [name, w] of Object.entries(weights)) expectClose(await model.ctx.downloadF32(model.weights.byName.get(name)!), w.flat(), name);
}

/** MEMIT's and AlphaEdit's v* knobs and layers from a methods.json hparams record. */
export function multiLayerHparams(h: Record<string, unknown>): MultiLayerHparams {
  return {
    layers: h.layers as number[],
    v_num_grad_steps: h.v_num_grad_steps as number,
    v_lr: h.v_lr as number,
    v_weight_decay: h.v_weight_decay as number,
    clamp_norm_factor: h.clamp_norm_factor as number,
    kl_factor: h.kl_factor as number,
    mom2_adjustment: true,
    early_stop_loss: h.early_stop_loss as number,
    kl_prompts: h.kl_prompts as string[],
  };
}

