// One ROME edit stage by stage, each with its seconds and the engine's work
// counters (dispatches, read-backs, buffers created, uploads): the context
// templates (top-k generation through the key/value cache), the key
// statistics over a stand-in corpus and their Cholesky factor (once per
// layer in the Lab), k̄, v*, the solve C⁻¹k̄ and the rank-one update.
// Shared by `bench edit` (bench/edit.ts) and the GPU script (bench/device/).
import { cholesky, solve } from '../models/editing/cholesky.ts';
import { keyCovariance } from '../models/editing/covariance.ts';
import { cProjWeight, WeightHistory } from '../models/editing/history.ts';
import { keysAt } from '../models/editing/keys.ts';
import type { RomeHparams } from '../models/editing/rome-hparams.ts';
import { keyContexts } from '../models/editing/rome.ts';
import { generateContextTemplates } from '../models/editing/templates.ts';
import { computeVStar, type VRequest } from '../models/editing/v-star.ts';
import { counterDelta, type GpuCounters } from '../models/gpu/context.ts';
import type { Gpt2Model } from '../models/gpt2/model.ts';
import type { Gpt2Tokenizer } from '../models/tokenizer/gpt2-tokenizer.ts';

export interface EditStage {
  stage: 'templates' | 'keyStatistics' | 'cholesky' | 'keys' | 'vStar' | 'solve' | 'update';
  /** Once per layer (statistics), once per session (templates), or per edit. */
  per: 'layer' | 'session' | 'edit';
  seconds: number;
  counters: GpuCounters;
}

export interface EditStagesOptions {
  /** Tokens of the stand-in corpus for the key statistics (random ids, sequences of 128). */
  statsTokens: number;
  /** The edit's context templates ('{}' first). */
  templates: readonly string[];
  /** Generate ROME's 21 templates too (their cost; the edit itself uses `templates`). */
  generateTemplates: boolean;
}

/** Runs one edit on `model` (the update stays applied: benchmarks use throwaway weights). */
export async function editStages(model: Gpt2Model, tok: Gpt2Tokenizer, req: VRequest, hp: RomeHparams, opts: EditStagesOptions): Promise<{ stages: EditStage[]; vStarSteps: number }> {
  const { ctx } = model;
  ctx.countWork();
  const stages: EditStage[] = [];
  const stage = async <T>(name: EditStage['stage'], per: EditStage['per'], f: () => Promise<T> | T): Promise<T> => {
    await ctx.sync();
    const c0 = ctx.snapshotCounters();
    const t0 = performance.now();
    const r = await f();
    await ctx.sync();
    stages.push({ stage: name, per, seconds: (performance.now() - t0) / 1000, counters: counterDelta(c0, ctx.snapshotCounters()) });
    return r;
  };
  if (opts.generateTemplates) await stage('templates', 'session', () => generateContextTemplates(model, tok, 1));
  const seqs: number[][] = [];
  for (let n = 0, s = 1; n < opts.statsTokens; n += 128) seqs.push(Array.from({ length: Math.min(128, opts.statsTokens - n) }, () => (s = (s * 48271) % 2147483647) % 50000));
  const stats = await stage('keyStatistics', 'layer', () => keyCovariance(model, hp.layer, seqs));
  const factor = await stage('cholesky', 'layer', () => cholesky(stats.C, stats.dim));
  const contexts = keyContexts(tok, req, opts.templates);
  const acts = await stage('keys', 'edit', () => keysAt(model, hp.layer, contexts.map((c) => ({ ids: c.ids, index: c.index }))));
  const kStar = new Float64Array(stats.dim);
  for (const k of acts.keys) for (let i = 0; i < kStar.length; i++) kStar[i]! += k[i]! / acts.keys.length;
  const v = await stage('vStar', 'edit', () => computeVStar(model, tok, req, opts.templates, hp));
  const uRaw = await stage('solve', 'edit', () => solve(factor, kStar));
  const n = Math.hypot(...uRaw);
  const u = Float32Array.from(uRaw, (x) => x / n);
  await stage('update', 'edit', () => new WeightHistory(model).apply([{ param: cProjWeight(hp.layer), u, right: Float32Array.from(v.vStar) }]));
  return { stages, vStarSteps: v.losses.length };
}
