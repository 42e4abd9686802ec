// One ROME edit, timed by stage: key statistics (excluded from the edit
// time and reported beside it), Cholesky factorisation, k̄ (keys), v*
// (optimisation), the solve C⁻¹k̄, and the rank-one update. Node + Dawn.
//   npx tsx bench/rome-edit.ts [--shape tiny|small] [--stats-tokens N] [--steps N]
import { existsSync } from 'node:fs';
import { cholesky, solve } from '../models/editing/cholesky.ts';
import { keyCovariance } from '../models/editing/covariance.ts';
import { cProjWeight, WeightHistory } from '../models/editing/history.ts';
import { keysAt } from '../models/editing/keys.ts';
import { romeHparams } from '../models/editing/rome-hparams.ts';
import { keyContexts } from '../models/editing/rome.ts';
import { computeVStar } from '../models/editing/v-star.ts';
import { nodeGpuContext } from '../models/gpu/node-gpu.ts';
import { loadGpt2 } from '../models/gpt2/load.ts';
import { dirModelFiles } from '../models/gpt2/load-node.ts';
import { loadGpt2TokenizerFromDir } from '../models/tokenizer/tokenizer-node.ts';

const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : dflt;
};
const shape = arg('shape', 'tiny');
const dir = shape === 'tiny' ? 'public/models/tiny-gpt2' : '.cache/bench/gpt2-small-random';
if (!existsSync(dir)) throw new Error(`${dir} is missing: run \`npx tsx bench/make-weights.ts\` first`);
const statsTokens = Number(arg('stats-tokens', shape === 'tiny' ? '20000' : '2000'));
const steps = Number(arg('steps', '20'));

const ctx = await nodeGpuContext();
const tok = loadGpt2TokenizerFromDir();
const model = await loadGpt2(ctx, dirModelFiles(dir));
const hp = romeHparams(model.config.nLayer, { v_num_grad_steps: steps });
const request = { prompt: '{} plays the sport of', subject: 'LeBron James', target_new: 'football' };
const templates = ['{}', 'The following is true. {}', 'Therefore, it is known that {}', 'I read that {}', 'You know, {}'];
const t = async <T>(f: () => Promise<T> | T): Promise<[T, number]> => {
  await ctx.sync();
  const t0 = performance.now();
  const r = await f();
  await ctx.sync();
  return [r, (performance.now() - t0) / 1000];
};

// Statistics: random token sequences of 128 (stand-in corpus of the right size).
const seqs: number[][] = [];
for (let n = 0, s = 1; n < statsTokens; n += 128) seqs.push(Array.from({ length: Math.min(128, statsTokens - n) }, () => (s = (s * 48271) % 2147483647) % 50000));
const [stats, tStats] = await t(() => keyCovariance(model, hp.layer, seqs));
const [factor, tFactor] = await t(() => cholesky(stats.C, stats.dim));
const contexts = keyContexts(tok, request, templates);
const [acts, tKeys] = await t(() => keysAt(model, hp.layer, contexts.map((c) => ({ ids: c.ids, index: c.index }))));
const kStar = new Float64Array(stats.dim);
for (const k of acts.keys) for (let i = 0; i < kStar.length; i++) kStar[i]! += k[i]! / acts.keys.length;
const [, tSolve] = await t(() => solve(factor, kStar));
const [v, tV] = await t(() => computeVStar(model, tok, request, templates, hp));
const u = Float32Array.from(kStar, (x) => x / Math.hypot(...kStar));
const history = new WeightHistory(model);
const [, tUpdate] = await t(() => history.apply([{ param: cProjWeight(hp.layer), u, right: Float32Array.from(v.vStar) }]));

const edit = tKeys + tSolve + tV + tUpdate;
const row = (name: string, s: number) => `| ${name} | ${s.toFixed(3)} | ${((100 * s) / edit).toFixed(1)}% |`;
console.log(`\nROME edit at ${shape} shape (d=${model.config.nEmbd}, ${model.config.nLayer} layers, layer ${hp.layer}), ${ctx.gpu.info.description}, ${steps} v* steps (${v.losses.length} run)\n`);
console.log('| stage | seconds | share of the edit |\n| --- | --- | --- |');
console.log(row('k̄ (keys of 5 contexts)', tKeys));
console.log(row('v* (optimisation)', tV));
console.log(row('solve C⁻¹k̄ (float64, CPU)', tSolve));
console.log(row('rank-one update', tUpdate));
console.log(`| **edit, statistics excluded** | **${edit.toFixed(3)}** | 100% |`);
console.log(`| key statistics (${stats.count} tokens, GPU) | ${tStats.toFixed(3)} | once per layer |`);
console.log(`| Cholesky of C (${stats.dim}×${stats.dim}, CPU) | ${tFactor.toFixed(3)} | once per layer |`);
console.log(`| **edit, statistics included** | **${(edit + tStats + tFactor).toFixed(3)}** | |`);
process.exit(0);
