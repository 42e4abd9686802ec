// `npm run -s bench -- edit [--json]`: what an edit and an evaluation point
// cost against the forward pass they are built from, at the fixture's and
// GPT-2 small's shapes, in one Node + Dawn run. Ratios, not seconds, are the
// point: on a shared CPU adapter absolute times move by 3×, ratios measured
// in one run much less. Per shape:
//   forward+NLL    the v* prompts through the whole model, NLL at every position
//   v* step        one optimisation step, steady state (median of the middle steps)
//   v* ratio       v* step ÷ forward+NLL (target ≤ 2: a backward costs about two forwards)
//   forward bench  a fixed batch×seq of random tokens, forward+NLL, tokens/s
//   eval point     ME-PPL texts through the Lab's scoring path, tokens/s ÷ the forward bench's (target ≥ 0.8)
//   counters       dispatches, read-backs, buffers created, uploads per v* step and per evaluation batch
//   edit stages    one whole ROME edit by stage (bench/edit-stages.ts): seconds and counters each
// Benchmarks are not tests: `npm test` never runs this.
import { readFileSync } from 'node:fs';
import { prepareRequest } from '../models/editing/prepared.ts';
import { computeVStar } from '../models/editing/v-star.ts';
import { romeHparams } from '../models/editing/rome-hparams.ts';
import { parseTextsJson } from '../models/data/texts.ts';
import { counterDelta, type GpuContext, type GpuCounters } from '../models/gpu/context.ts';
import { nodeGpuContext } from '../models/gpu/node-gpu.ts';
import { destroyGpt2Weights } from '../models/gpt2/gpu-weights.ts';
import { loadGpt2 } from '../models/gpt2/load.ts';
import { dirModelFiles } from '../models/gpt2/load-node.ts';
import type { Gpt2Model } from '../models/gpt2/model.ts';
import { scoreSequences } from '../models/gpt2/score.ts';
import { loadGpt2TokenizerFromDir } from '../models/tokenizer/tokenizer-node.ts';
import { editStages, type EditStage } from './edit-stages.ts';
import { benchFlags } from './flags.ts';
import { prepareShape, SHAPE_ASSETS } from './prepare.ts';

export interface EditBenchShape {
  name: string;
  /** v* steps run (at least 4: the first compiles pipelines, the last skips the backward). */
  steps: number;
  templates: string[];
  forwardBatch: number;
  forwardSeq: number;
  /** ME-PPL texts scored by the evaluation point (the first n of ME-PPL_50). */
  evalTexts: number;
  repeats: number;
  /** Tokens of the stand-in corpus for the edit's key statistics stage. */
  statsTokens: number;
  /** v* steps of the whole edit (default: steps). */
  editSteps?: number;
}

const REQUEST = { prompt: '{} plays the sport of', subject: 'LeBron James', target_new: 'football' };
const TEMPLATES = ['{}', 'The following is true. {}', 'Therefore, it is known that {}', 'I read that {}', 'You know, {}'];

export const EDIT_BENCH_SHAPES: Record<string, EditBenchShape> = {
  tiny: { name: 'tiny', steps: 8, templates: TEMPLATES, forwardBatch: 4, forwardSeq: 64, evalTexts: 20, repeats: 3, statsTokens: 2048 },
  // GPT-2 small on SwiftShader: a v* step takes seconds, so few steps, short prompts, few texts;
  // but C is 3072² and needs more tokens than that to be invertible (128 left ROME's Cholesky singular).
  small: { name: 'small', steps: 4, templates: TEMPLATES.slice(0, 2), forwardBatch: 3, forwardSeq: 32, evalTexts: 3, repeats: 3, statsTokens: 4096 },
};

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s[(s.length - 1) >> 1]! + s[s.length >> 1]!) / 2 : NaN;
};

async function timed<T>(ctx: GpuContext, f: () => Promise<T>): Promise<[T, number]> {
  await ctx.sync();
  const t0 = performance.now();
  const r = await f();
  await ctx.sync();
  return [r, (performance.now() - t0) / 1000];
}

/** Seeded pseudo-random token ids (no corpus needed; the cost does not depend on the ids). */
function randomIds(n: number, seed: number): number[] {
  let s = seed;
  return Array.from({ length: n }, () => (s = (s * 48271) % 2147483647) % 50000);
}

export interface EditBenchResult {
  shape: string;
  model: { layers: number; width: number; vocab: number; weights: string; editLayer: number };
  prompts: { count: number; tokens: number };
  forwardNll: { seconds: number; tokensPerSecond: number };
  vStar: { steps: number; stepSeconds: number; stepTimes: number[]; ratio: number; countersPerStep: GpuCounters; firstStepCounters: GpuCounters };
  forwardBench: { batch: number; seq: number; seconds: number; tokensPerSecond: number };
  evalPoint: { texts: number; tokens: number; batches: number; seconds: number; tokensPerSecond: number; ratio: number; counters: GpuCounters; countersPerBatch: GpuCounters };
  /** One whole edit (the model is edited: run last). */
  editStages: EditStage[];
  targets: { vStarRatioAtMost2: boolean; evalRatioAtLeast08: boolean; zeroBuffersPerStep: boolean; zeroBuffersPerEvalBatch: boolean };
}

export async function benchEditShape(ctx: GpuContext, model: Gpt2Model, plan: EditBenchShape, log: (s: string) => void): Promise<EditBenchResult> {
  const tok = loadGpt2TokenizerFromDir();
  const { config } = model;
  ctx.countWork();
  const hp = romeHparams(config.nLayer, { v_num_grad_steps: plan.steps });
  hp.early_stop_loss = -Infinity; // time every step
  const prompts = prepareRequest(tok, REQUEST).vPrompts(plan.templates, hp.kl_prompts).map((p) => p.ids);
  const promptTokens = prompts.reduce((a, p) => a + p.length, 0);

  // Forward+NLL over the v* prompts, whole model.
  await scoreSequences(model, prompts); // compile
  const fw: number[] = [];
  for (let i = 0; i < plan.repeats; i++) fw.push((await timed(ctx, () => scoreSequences(model, prompts)))[1]);
  const forwardSeconds = median(fw);
  log(`${plan.name}: forward+NLL over ${prompts.length} v* prompts (${promptTokens} tokens): ${forwardSeconds.toFixed(3)} s`);

  // v*: a timestamp and a counter snapshot at every step's report.
  const marks: Array<{ t: number; c: GpuCounters }> = [];
  await ctx.sync();
  const start = { t: performance.now(), c: ctx.snapshotCounters() };
  await computeVStar(model, prepareRequest(tok, REQUEST), plan.templates, hp, { onStep: () => marks.push({ t: performance.now(), c: ctx.snapshotCounters() }) });
  const all = [start, ...marks];
  const stepTimes = all.slice(1).map((m, i) => (m.t - all[i]!.t) / 1000);
  // Interval k (k ≥ 1) spans step k-1's backward and step k's forward and loss; the
  // first compiles pipelines and the last step has no backward: time the middle ones.
  const middle = all.slice(2, -1).map((m, i) => ({ dt: (m.t - all[i + 1]!.t) / 1000, dc: counterDelta(all[i + 1]!.c, m.c) }));
  const steady = middle.length ? middle : [{ dt: stepTimes.at(-1)!, dc: counterDelta(all.at(-2)!.c, all.at(-1)!.c) }];
  const stepSeconds = median(steady.map((s) => s.dt));
  const countersPerStep = steady.at(-1)!.dc;
  log(`${plan.name}: v* steps ${stepTimes.map((s) => s.toFixed(2)).join(', ')} s; steady ${stepSeconds.toFixed(3)} s; ratio ${(stepSeconds / forwardSeconds).toFixed(2)}`);

  // Forward benchmark (a fixed batch of random tokens) and evaluation point (ME-PPL texts through the
  // Lab's path: models/eval/live-plan.ts → scoreSequences), timed alternately so that both see the same
  // load on a shared machine; medians of `repeats`.
  const fb = Array.from({ length: plan.forwardBatch }, (_, b) => randomIds(plan.forwardSeq, 7 + b));
  const parsed = parseTextsJson(readFileSync('public/data/me_ppl/ME-PPL_50.json', 'utf8'));
  if (parsed.kind !== 'texts') throw new Error('ME-PPL_50.json: texts expected');
  const ids = parsed.texts.slice(0, plan.evalTexts).map((t) => tok.encode(t));
  const evalTokens = ids.reduce((a, s) => a + s.length, 0);
  await scoreSequences(model, fb); // compile; the first point compiles too, later points are what an edit costs
  await scoreSequences(model, ids);
  const fbs: number[] = [];
  const evals: number[] = [];
  let batches = 0;
  let evalCounters: GpuCounters | null = null;
  for (let i = 0; i < plan.repeats; i++) {
    fbs.push((await timed(ctx, () => scoreSequences(model, fb)))[1]);
    const c0 = ctx.snapshotCounters();
    let b = 0;
    evals.push((await timed(ctx, () => scoreSequences(model, ids, { onProgress: () => b++ })))[1]);
    if (!evalCounters) [evalCounters, batches] = [counterDelta(c0, ctx.snapshotCounters()), b];
  }
  const fbSeconds = median(fbs);
  const fbTps = (plan.forwardBatch * plan.forwardSeq) / fbSeconds;
  log(`${plan.name}: forward bench ${plan.forwardBatch}×${plan.forwardSeq}: ${fbs.map((t) => t.toFixed(2)).join(', ')} s; ${fbTps.toFixed(1)} tokens/s`);
  const evalSeconds = median(evals);
  const evalTps = evalTokens / evalSeconds;
  log(`${plan.name}: eval point ${ids.length} texts (${evalTokens} tokens, ${batches} batches): ${evals.map((t) => t.toFixed(2)).join(', ')} s; ${evalTps.toFixed(1)} tokens/s, ratio ${(evalTps / fbTps).toFixed(2)}`);
  if (!evalCounters) throw new Error('repeats must be at least 1');
  const perBatch = Object.fromEntries(Object.entries(evalCounters).map(([k, v]) => [k, v / Math.max(1, batches)])) as unknown as GpuCounters;

  // One whole edit, stage by stage (last: it changes the weights).
  const hpEdit = romeHparams(config.nLayer, { v_num_grad_steps: plan.editSteps ?? plan.steps });
  hpEdit.early_stop_loss = -Infinity; // every step, as a hard edit
  const { stages } = await editStages(model, tok, REQUEST, hpEdit, { statsTokens: plan.statsTokens, templates: plan.templates, generateTemplates: true });
  log(`${plan.name}: edit stages ${stages.map((st) => `${st.stage} ${st.seconds.toFixed(2)} s`).join(', ')}`);

  const ratio = stepSeconds / forwardSeconds;
  const wdtype = model.weights.wte[0]!.table.dtype;
  return {
    shape: plan.name,
    model: { layers: config.nLayer, width: config.nEmbd, vocab: config.vocabSize, weights: wdtype, editLayer: hp.layer },
    prompts: { count: prompts.length, tokens: promptTokens },
    forwardNll: { seconds: forwardSeconds, tokensPerSecond: promptTokens / forwardSeconds },
    vStar: { steps: plan.steps, stepSeconds, stepTimes, ratio, countersPerStep, firstStepCounters: counterDelta(all[0]!.c, all[1]!.c) },
    forwardBench: { batch: plan.forwardBatch, seq: plan.forwardSeq, seconds: fbSeconds, tokensPerSecond: fbTps },
    editStages: stages,
    evalPoint: { texts: ids.length, tokens: evalTokens, batches, seconds: evalSeconds, tokensPerSecond: evalTps, ratio: evalTps / fbTps, counters: evalCounters, countersPerBatch: perBatch },
    targets: {
      vStarRatioAtMost2: ratio <= 2,
      evalRatioAtLeast08: evalTps / fbTps >= 0.8,
      zeroBuffersPerStep: countersPerStep.buffersCreated === 0,
      zeroBuffersPerEvalBatch: evalCounters.buffersCreated === 0,
    },
  };
}

function markdown(results: EditBenchResult[], adapter: string): string {
  const rows = results.map((r) =>
    [
      `${r.shape} (d=${r.model.width}, ${r.model.layers} layers, ${r.model.weights})`,
      r.forwardNll.tokensPerSecond.toFixed(1),
      r.vStar.stepSeconds.toFixed(3),
      r.vStar.ratio.toFixed(2),
      r.forwardBench.tokensPerSecond.toFixed(1),
      r.evalPoint.tokensPerSecond.toFixed(1),
      r.evalPoint.ratio.toFixed(2),
      `${r.vStar.countersPerStep.dispatches} / ${r.vStar.countersPerStep.readbacks} (${r.vStar.countersPerStep.readbackBytes} B) / ${r.vStar.countersPerStep.buffersCreated} / ${r.vStar.countersPerStep.uploads}`,
      `${r.evalPoint.countersPerBatch.buffersCreated.toFixed(1)}`,
    ].join(' | '),
  );
  const stageRows = results.flatMap((r) =>
    r.editStages.map((st) => `| ${r.shape} | ${st.stage} (per ${st.per}) | ${st.seconds.toFixed(3)} | ${st.counters.dispatches} | ${st.counters.readbacks} (${st.counters.readbackBytes} B) | ${st.counters.buffersCreated} | ${st.counters.uploads} (${st.counters.bytesUploaded} B) |`),
  );
  return [
    `Adapter: ${adapter}`,
    '',
    '| shape | forward+NLL tokens/s (v* prompts) | v* step s | v* ratio | forward bench tokens/s | eval tokens/s | eval ratio | per v* step: dispatches / read-backs / buffers / uploads | buffers per eval batch |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows.map((r) => `| ${r} |`),
    '',
    '| shape | edit stage | seconds | dispatches | read-backs | buffers created | uploads |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...stageRows,
  ].join('\n');
}

export async function runEditBench(argv: readonly string[]): Promise<void> {
  const flags = benchFlags({ json: false, shape: 'tiny,small' }, argv);
  const json = flags.json;
  const shapes = flags.shape.split(',');
  const log = (s: string) => console.error(`[bench edit ${new Date().toISOString().slice(11, 19)}] ${s}`);
  const ctx = await nodeGpuContext();
  const results: EditBenchResult[] = [];
  for (const name of shapes) {
    const plan = EDIT_BENCH_SHAPES[name];
    const assets = SHAPE_ASSETS[name];
    if (!plan || !assets) throw new Error(`unknown shape "${name}" (tiny or small)`);
    await prepareShape(assets, { onnx: false, log });
    const model = await loadGpt2(ctx, dirModelFiles(assets.modelDir));
    try {
      results.push(await benchEditShape(ctx, model, plan, log));
    } finally {
      destroyGpt2Weights(model.weights);
    }
  }
  const info = ctx.gpu.info;
  const adapter = `${info.vendor} ${info.architecture || info.description}`.trim() + (info.isSoftware ? ' (software)' : '');
  const out = { date: new Date().toISOString(), adapter, results };
  if (json) process.stdout.write(JSON.stringify(out, null, 2) + '\n');
  else console.log(markdown(results, adapter));
}
