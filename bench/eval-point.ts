// Time of one live evaluation point (what the lab spends after every edit)
// at GPT-2 small's shape, split by part: ME-PPL, then each task. Runs the
// Lab's own evaluation path (models/eval/live-plan.ts) on Dawn in Node.
// Not a test. Random weights: accuracies are meaningless, times are real.
//
//   npx tsx bench/make-weights.ts                       # once: .cache/bench/gpt2-small-random
//   npx tsx bench/eval-point.ts [--model DIR] [--texts me-ppl-50] [--tasks lambada:50] [--seed 0] [--points 1]
//
// A warm-up point on one short text and one item of each task compiles the
// pipelines first, so the timed points show the steady per-edit cost.
// Writes bench/results/eval-point.json and .md.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { nodeLabEnv } from '../cli/node-env.ts';
import { TEXT_DATASETS } from '../models/data/datasets.ts';
import { parseTextsJson } from '../models/data/texts.ts';
import { parseTaskList, taskById } from '../models/eval/tasks.ts';
import { nodeGpuContext } from '../models/gpu/node-gpu.ts';
import { dirModelFiles } from '../models/gpt2/load-node.ts';
import { Lab } from '../models/lab.ts';
import type { ExperimentSettings } from '../models/experiment.ts';
import { seededSample } from '../models/util/random.ts';
import { benchFlags } from './flags.ts';

const flags = benchFlags({ model: '.cache/bench/gpt2-small-random', texts: 'me-ppl-50', tasks: 'lambada:50', seed: '0', points: '1' });
const modelDir = flags.model;
const texts = flags.texts;
const tasks = parseTaskList(flags.tasks);
const seed = Number(flags.seed);
const points = Math.max(1, Number(flags.points));
if (!existsSync(join(modelDir, 'config.json'))) {
  console.error(`no model at ${modelDir}: run \`npx tsx bench/make-weights.ts\` first (GPT-2 small, random weights)`);
  process.exit(2);
}

const env = nodeLabEnv({ statsStore: null });
const tok = await env.tokenizer();
/** Tokens of every string inside a record. */
const textTokens = (v: unknown): number =>
  typeof v === 'string' ? tok.encode(v).length : v && typeof v === 'object' ? Object.values(v).reduce<number>((a, x) => a + textTokens(x), 0) : 0;
const ctx = await nodeGpuContext();
const lab = new Lab(ctx, env);
const t0 = performance.now();
const summary = await lab.loadModel(dirModelFiles(modelDir));
const loadSeconds = (performance.now() - t0) / 1000;
console.error(`loaded ${summary.name}: ${summary.nLayer} layers × ${summary.nEmbd}, ${(summary.parameterCount / 1e6).toFixed(0)}M parameters, ${loadSeconds.toFixed(1)} s`);

// What the plan scores, in tokens (the cost driver).
const ds = TEXT_DATASETS[texts];
if (!ds) throw new Error(`unknown texts "${texts}"`);
const parsed = parseTextsJson(await env.readAsset(ds.path), ds.path);
const mePplTokens = parsed.kind === 'texts' ? parsed.texts.reduce((a, t) => a + tok.encode(t).length, 0) : 0;
const taskSizes: Record<string, { items: number; tokens: number }> = {};
for (const [id, n] of Object.entries(tasks)) {
  const all = await taskById(id)!.load(env.readAsset);
  const items = seededSample(all.length, n, seed).map((i) => all[i]);
  // Tokens of the items' text fields (LAMBADA: context + word; multiple choice counts the context once, not per choice).
  taskSizes[id] = { items: items.length, tokens: items.reduce<number>((a, it) => a + textTokens(it), 0) };
}

const settings = (e: ExperimentSettings['eval']): ExperimentSettings => ({ method: { name: 'rome' }, mode: 'sequential', eval: e });
const warm = settings({ texts: ['A short sentence to compile the pipelines.'], tasks: Object.fromEntries(Object.keys(tasks).map((id) => [id, 1])), seed });
const tw = performance.now();
await lab.configure(warm);
console.error(`warm-up point: ${((performance.now() - tw) / 1000).toFixed(1)} s`);

interface PointTiming {
  total: number;
  parts: Record<string, number>;
}
const timings: PointTiming[] = [];
const plan = settings({ texts, tasks, seed });
for (let p = 0; p < points; p++) {
  const parts: Record<string, number> = {};
  let last = performance.now();
  const start = last;
  const order = ['ME-PPL', ...Object.keys(tasks)];
  let k = 0;
  const onPartial = () => {
    const now = performance.now();
    parts[order[k++]!] = (now - last) / 1000;
    last = now;
    console.error(`  point ${p + 1}: ${order[k - 1]} ${parts[order[k - 1]!]!.toFixed(1)} s`);
  };
  // The first point is the baseline of the plan (it reads and tokenises the data); later ones are plain evaluations.
  const point = p === 0 ? (await lab.configure(plan, { onPartial })).baseline : await lab.evaluate({ onPartial });
  timings.push({ total: (performance.now() - start) / 1000, parts });
  console.error(`point ${p + 1}: ${timings.at(-1)!.total.toFixed(1)} s, ME-PPL ${point.me_ppl.toPrecision(5)}, tasks ${JSON.stringify(point.tasks)}`);
}

const info = ctx.gpu.info;
const adapter = `${info.vendor} ${info.architecture || info.description}`.trim() + (info.isSoftware ? ' (software)' : '');
const result = {
  date: new Date().toISOString(),
  adapter,
  model: { dir: modelDir, layers: summary.nLayer, width: summary.nEmbd, parameters: summary.parameterCount },
  plan: { texts, mePplTokens, tasks: taskSizes, seed },
  loadSeconds,
  points: timings,
};
mkdirSync('bench/results', { recursive: true });
writeFileSync('bench/results/eval-point.json', JSON.stringify(result, null, 2) + '\n');
const rows = timings.map((t, i) => `| ${i + 1} | ${t.total.toFixed(1)} | ${Object.entries(t.parts).map(([k, v]) => `${k} ${v.toFixed(1)}`).join(', ')} |`);
const md = [
  `# Live evaluation point, ${result.date}`,
  '',
  `Adapter: ${adapter}. Model: ${modelDir} (${summary.nLayer} layers × ${summary.nEmbd}, random weights).`,
  `Plan: ${texts} (${mePplTokens} tokens) + ${Object.entries(taskSizes).map(([id, s]) => `${id} ${s.items} items`).join(' + ')}, seed ${seed}.`,
  '',
  '| point | seconds | split (seconds) |',
  '| --- | --- | --- |',
  ...rows,
  '',
].join('\n');
writeFileSync('bench/results/eval-point.md', md);
process.stdout.write(md);
