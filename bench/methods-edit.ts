// One edit per method (MEMIT, AlphaEdit, FT-L∞), timed by stage, and the
// memory each method holds at GPT-2-XL's shape (computed from the shapes, not
// run). Stage times come from the methods' progress reports (the time between
// one report and the next is charged to the earlier stage); the GPU work of a
// stage ends in a download, so the split is close to the truth. Node + Dawn.
//   npx tsx bench/methods-edit.ts [--shape tiny|small] [--stats-tokens N] [--steps N] [--batch N]
import { computeAlphaEdit } from '../models/editing/alphaedit.ts';
import { keyCovariance } from '../models/editing/covariance.ts';
import type { EditProgress } from '../models/editing/edit-progress.ts';
import { computeFtL } from '../models/editing/ft-l.ts';
import { WeightHistory } from '../models/editing/history.ts';
import { computeMemit } from '../models/editing/memit.ts';
import { defaultMemitLayers } from '../models/settings-table.ts';
import { cachedEigen, nullSpaceFromEigen, type NullSpace } from '../models/editing/nullspace.ts';
import { romeHparams } from '../models/editing/rome-hparams.ts';
import { editBenchSetup } from './edit-setup.ts';

const { shape, statsTokens, steps, batch: batchSize, ctx, tok, model } = await editBenchSetup();
const { nLayer, nInner: f, nEmbd: d } = model.config;
const layers = shape === 'tiny' ? [1, 2] : defaultMemitLayers(nLayer);
const base = romeHparams(nLayer, { v_num_grad_steps: steps, clamp_norm_factor: 0.75 });
const { layer: _romeLayer, ...vKnobs } = base;
const requests = [
  { prompt: '{} plays the sport of', subject: 'LeBron James', target_new: 'football' },
  { prompt: '{} is located in the city of', subject: 'Eiffel Tower', target_new: 'Rome' },
  { prompt: 'The mother tongue of {} is', subject: 'Danielle Darrieux', target_new: 'English' },
  { prompt: '{} was developed by', subject: 'Windows 95', target_new: 'Apple' },
].slice(0, batchSize);
const templates = ['{}', 'The following is true. {}', 'Therefore, it is known that {}', 'I read that {}', 'You know, {}'];

const time = async <T>(fn: () => Promise<T>): Promise<[T, number]> => {
  await ctx.sync();
  const t0 = performance.now();
  const r = await fn();
  await ctx.sync();
  return [r, (performance.now() - t0) / 1000];
};

/** Charges the time between progress reports to the stage reported first. */
function stageClock() {
  const totals = new Map<string, number>();
  let stage: string | null = null;
  let since = performance.now();
  return {
    onProgress: (p: EditProgress) => {
      const now = performance.now();
      if (stage) totals.set(stage, (totals.get(stage) ?? 0) + (now - since) / 1000);
      stage = p.stage;
      since = now;
    },
    finish: () => {
      if (stage) totals.set(stage, (totals.get(stage) ?? 0) + (performance.now() - since) / 1000);
      return totals;
    },
  };
}

// Statistics: random token sequences of 128 (stand-in corpus of the right size).
const seqs: number[][] = [];
for (let n = 0, s = 1; n < statsTokens; n += 128) seqs.push(Array.from({ length: Math.min(128, statsTokens - n) }, () => (s = (s * 48271) % 2147483647) % 50000));
const stats = new Map<number, Float64Array>();
let tStats = 0;
for (const l of layers) {
  const [s, t] = await time(() => keyCovariance(model, l, seqs));
  stats.set(l, s.C);
  tStats += t;
}
const projectors = new Map<number, NullSpace>();
let tEig = 0;
let threshold = 0;
for (const [l, C] of stats) {
  const [eig, t] = await time(() => cachedEigen(null, null, C, f));
  tEig += t;
  // A threshold near the first layer's 40th percentile eigenvalue (the fixture's cut holds ~55% of the dimensions).
  threshold ||= eig.values[Math.floor(0.4 * f)]!;
  projectors.set(l, nullSpaceFromEigen(eig, threshold));
}

const rows: [string, Map<string, number>, number][] = [];
{
  const history = new WeightHistory(model);
  const clock = stageClock();
  const [, t] = await time(() => computeMemit(model, tok, requests, templates, { ...vKnobs, layers, mom2_update_weight: 15000 }, stats, history, { onProgress: clock.onProgress }));
  rows.push(['MEMIT', clock.finish(), t]);
  history.reset();
}
{
  const history = new WeightHistory(model);
  const clock = stageClock();
  const [, t] = await time(() =>
    computeAlphaEdit(model, tok, requests, templates, { ...vKnobs, layers, nullspace_threshold: threshold, L2: 10 }, { projectors, kp: new Map() }, history, { onProgress: clock.onProgress }),
  );
  rows.push(['AlphaEdit', clock.finish(), t]);
  history.reset();
}
{
  const history = new WeightHistory(model);
  const clock = stageClock();
  const [, t] = await time(() => computeFtL(model, tok, requests, { layers: [0], lr: 5e-4, num_steps: 25, norm_constraint: 5e-4, early_stop_loss: 1e-2 }, history, { onProgress: clock.onProgress }));
  rows.push(['FT-L∞', clock.finish(), t]);
  history.reset();
}

const stages = ['z', 'keys', 'solve', 'finetune', 'apply'] as const;
console.log(`\nOne edit per method at ${shape} shape (d=${d}, f=${f}, ${nLayer} layers; MEMIT/AlphaEdit layers [${layers.join(', ')}], FT layer 0), ${ctx.gpu.info.description}`);
console.log(`${requests.length} request(s) per call, ${steps} z steps, 25 FT steps; seconds\n`);
console.log(`| method | ${stages.join(' | ')} | edit total |\n| --- |${stages.map(() => ' --- |').join('')} --- |`);
for (const [name, s, t] of rows) console.log(`| ${name} | ${stages.map((k) => (s.get(k) ?? 0).toFixed(3)).join(' | ')} | **${t.toFixed(3)}** |`);
console.log(`\nOnce per model and layer (not in the edit): key statistics ${tStats.toFixed(3)} s (${layers.length} layers, ${statsTokens} tokens), float64 eigendecomposition ${tEig.toFixed(3)} s (${layers.length} × ${f}²).`);

// --- Memory held at GPT-2-XL's shape (computed): f = 6400, d = 1600, MEMIT/AlphaEdit on 5 layers, FT on 1.
const XL = { f: 6400, d: 1600, layers: 5 };
const MB = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
const f2 = XL.f * XL.f * 8;
const memRows: [string, string, string, string][] = [
  ['ROME', `C factor ${MB(f2)} (1 layer)`, `C: ${MB(f2)} while factoring`, `(f + d)·4 B = ${MB((XL.f + XL.d) * 4)}`],
  ['MEMIT', `C per layer: ${MB(f2 * XL.layers)} for 5 (or one at a time from the cache: ${MB(f2)})`, `λC + KKᵀ, factored in place: ${MB(f2)}`, `5·(f + d)·n·4 B = ${MB(5 * (XL.f + XL.d) * 4)} per request`],
  [
    'AlphaEdit',
    `U₀ per layer r·f·8 B (r = f/2: ${MB(XL.f * 3200 * 8)}; ×5 = ${MB(XL.f * 3200 * 8 * 5)}; a dense P would be ${MB(f2)} each) + Kp ${MB(f2)} per layer (${MB(f2 * 5)} for 5)`,
    `S = KKᵀ + Kp ${MB(f2)} + P·S ${MB(f2)} (LU in place) + U₀S ${MB(3200 * XL.f * 8)}; eigendecomposition once: ${MB(2 * f2)}`,
    `as MEMIT, plus the next Kp: ${MB(f2)} per layer while a call runs`,
  ],
  ['FT-L∞', 'nothing between edits', `θ, θ₀, Adam m, v in float64: 4·f·d·8 B = ${MB(4 * XL.f * XL.d * 8)}; GPU scratch θ + ∂W: ${MB(2 * XL.f * XL.d * 4)}`, `dense ΔW + Δb in f32: ${MB(XL.f * XL.d * 4 + XL.d * 4)} per edit (a history of 100 edits: ${MB(100 * XL.f * XL.d * 4)})`],
];
console.log('\nMemory at GPT-2-XL (f = 6400, d = 1600), CPU float64 unless marked:\n');
console.log('| method | held across edits | peak during an edit | kept per edit (undo history) |\n| --- | --- | --- | --- |');
for (const r of memRows) console.log(`| ${r.join(' | ')} |`);
process.exit(0);
