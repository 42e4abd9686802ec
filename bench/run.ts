// `npm run bench`: our engine against onnxruntime-web (WebGPU and wasm) on
// identical weights and token ids, plus our matmul kernel's tile sweep, in
// one headless Chromium run. Makes the random weights and the ONNX exports on
// first use, builds the page, serves it, and writes bench/results/latest.{json,md}.
// Benchmarks are not tests: `npm test` never runs this.
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { parseBenchArgs, USAGE, type BenchArgs } from './args.ts';
import { runBenchPage } from './browser.ts';
import type { BenchPlan, ShapePlan } from './plan.ts';
import { prepareShape, SHAPE_ASSETS } from './prepare.ts';
import { markdownReport } from './report.ts';
import { startStaticServer } from './static-server.ts';

const RESULTS_DIR = 'bench/results';
const log = (line: string) => console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}`);

/** Per-shape defaults: the tiny fixture is cheap; GPT-2 small on a software adapter takes a minute per pass. */
function shapePlan(name: string, a: BenchArgs): ShapePlan {
  const base =
    name === 'tiny'
      ? { batch: 4, seq: 128, warmup: 2, repeats: 5, budgetSeconds: 60 }
      : { batch: 1, seq: 128, warmup: 1, repeats: 3, budgetSeconds: 240 };
  const quick = a.quick ? { batch: Math.min(base.batch, 2), seq: 64, warmup: 1, repeats: 3, budgetSeconds: Math.min(base.budgetSeconds, 30) } : {};
  const onnx = SHAPE_ASSETS[name]!.onnxPath;
  return {
    name,
    modelUrl: `/shape/${name}/model`,
    onnxUrl: `/shape/${name}/onnx/${basename(onnx)}`,
    ...base,
    ...quick,
    ...(a.batch !== undefined && { batch: a.batch }),
    ...(a.seq !== undefined && { seq: a.seq }),
    ...(a.warmup !== undefined && { warmup: a.warmup }),
    ...(a.repeats !== undefined && { repeats: a.repeats }),
    ...(a.budget !== undefined && { budgetSeconds: a.budget }),
  };
}

function makePlan(a: BenchArgs): BenchPlan {
  return {
    shapes: a.shapes.map((s) => shapePlan(s, a)),
    backends: a.backends,
    seed: 1234,
    // 768×768×3072 and 128×768×3072 are the MLP's c_fc at 768 and 128 rows; the
    // transposed one is a 8192-row chunk of the tied unembedding.
    matmul: a.matmul
      ? a.quick
        ? { shapes: [{ m: 128, k: 768, n: 3072 }], configs: [], minSeconds: 0.3, rounds: 2 }
        : {
            shapes: [{ m: 768, k: 768, n: 3072 }, { m: 128, k: 768, n: 3072 }, { m: 128, k: 768, n: 8192, transB: true }],
            configs: [],
            minSeconds: 1,
            rounds: 2,
          }
      : null,
  };
}

async function main(): Promise<void> {
  // `npm run -s bench -- edit [--json] [--shape tiny,small]`: Node + Dawn, no browser (bench/edit.ts).
  if (process.argv[2] === 'edit') {
    const { runEditBench } = await import('./edit.ts');
    await runEditBench(process.argv.slice(3));
    process.exit(0);
  }
  let args: BenchArgs;
  try {
    args = parseBenchArgs(process.argv.slice(2));
  } catch (e) {
    console.error((e as Error).message);
    process.exit(e instanceof Error && e.message === USAGE ? 0 : 2);
  }
  const plan = makePlan(args);
  const needsOnnx = args.backends.some((b) => b.startsWith('ort-'));
  for (const s of args.shapes) await prepareShape(SHAPE_ASSETS[s]!, { onnx: needsOnnx, log });

  log('building the benchmark page (dist-bench/) ...');
  const build = spawnSync('npx', ['vite', 'build', '--config', 'bench/vite.config.ts'], { stdio: 'inherit' });
  if (build.status !== 0) throw new Error('vite build of the benchmark page failed');

  const mounts: Record<string, string> = { '/': 'dist-bench', '/ort/': 'node_modules/onnxruntime-web/dist' };
  for (const s of args.shapes) {
    mounts[`/shape/${s}/model/`] = SHAPE_ASSETS[s]!.modelDir;
    mounts[`/shape/${s}/onnx/`] = dirname(SHAPE_ASSETS[s]!.onnxPath);
  }
  const server = await startStaticServer({ mounts, crossOriginIsolate: args.threads });
  let result;
  try {
    log(`running in headless Chromium at ${server.url} (SwiftShader is slow: allow minutes) ...`);
    result = await runBenchPage(server.url, plan, { timeoutMinutes: args.timeoutMinutes, headed: args.headed, log });
  } finally {
    await server.close();
  }

  mkdirSync(RESULTS_DIR, { recursive: true });
  const md = markdownReport(result);
  writeFileSync(`${RESULTS_DIR}/latest.json`, JSON.stringify(result, null, 2) + '\n');
  writeFileSync(`${RESULTS_DIR}/latest.md`, md);
  console.log('\n' + md);
  log(`wrote ${RESULTS_DIR}/latest.json and ${RESULTS_DIR}/latest.md`);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
