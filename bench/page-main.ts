// The benchmark page: runs the plan in its URL (?plan=<JSON>) and leaves the
// result in window.__benchResult (or the failure in window.__benchError) for
// the orchestrator, and on the page for a person. Progress goes to the console.
import { parseGpt2Config, type Gpt2Config } from '../models/gpt2/config.ts';
import { GpuContext } from '../models/gpu/context.ts';
import { acquireGpu } from '../models/gpu/device.ts';
import { gpt2ForwardFlops } from './flops.ts';
import { sweepMatmul } from './matmul-sweep.ts';
import { createOrtRunner } from './ort-runner.ts';
import { createOursRunner, NotAvailableError } from './ours.ts';
import { meanOf, type PerplexityRunner } from './perplexity-runner.ts';
import type { BenchPlan, BenchResult, PerplexityBackend, PerplexityResult, ShapePlan } from './plan.ts';
import { randomTokenIds } from './seeded-random.ts';
import { timeRuns } from './timing.ts';

declare global {
  interface Window {
    __benchResult?: BenchResult;
    __benchError?: string;
  }
}

const out = document.getElementById('out')!;
function log(line: string): void {
  console.log(`[bench] ${line}`);
  out.textContent += line + '\n';
}

async function fetchBytes(url: string): Promise<Uint8Array> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  return new Uint8Array(await res.arrayBuffer());
}

async function fetchConfig(modelUrl: string): Promise<Gpt2Config> {
  const res = await fetch(`${modelUrl}/config.json`);
  if (!res.ok) throw new Error(`${modelUrl}/config.json: HTTP ${res.status}`);
  return parseGpt2Config(await res.text());
}

async function measureBackend(
  backend: PerplexityBackend,
  shape: ShapePlan,
  config: Gpt2Config,
  ids: Int32Array,
  makeRunner: () => Promise<PerplexityRunner>,
): Promise<PerplexityResult> {
  const base = { backend, shape: shape.name, batch: shape.batch, seq: shape.seq };
  let runner: PerplexityRunner | null = null;
  try {
    const t0 = performance.now();
    runner = await makeRunner();
    const loadSeconds = (performance.now() - t0) / 1000;
    log(`${backend} ${shape.name}: loaded in ${loadSeconds.toFixed(1)} s (${runner.detail})`);
    let nll: Float32Array = new Float32Array(0);
    const r = runner;
    const runs = await timeRuns(async () => (nll = await r.nll(ids, shape.batch, shape.seq)), {
      ...shape,
      onRun: (label, s) => log(`${backend} ${shape.name}: ${label} ${s.toFixed(3)} s`),
    });
    if (nll.length !== shape.batch * (shape.seq - 1)) throw new Error(`${nll.length} NLL values, want ${shape.batch * (shape.seq - 1)}`);
    const tokens = shape.batch * shape.seq;
    return {
      ...base,
      status: 'ok',
      loadSeconds,
      runs,
      tokensPerSecond: tokens / runs.medianSeconds,
      gflops: gpt2ForwardFlops(config, shape.batch, shape.seq) / runs.medianSeconds / 1e9,
      meanNll: meanOf(nll),
      detail: runner.detail,
    };
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    const status = e instanceof NotAvailableError ? `not available: ${msg}` : `failed: ${msg}`;
    log(`${backend} ${shape.name}: ${status}`);
    return { ...base, status };
  } finally {
    await runner?.release().catch(() => undefined);
  }
}

async function run(plan: BenchPlan): Promise<BenchResult> {
  const gpu = await acquireGpu();
  const ctx = new GpuContext(gpu);
  log(`adapter: ${gpu.info.description}${gpu.info.isSoftware ? ' (software)' : ''}; cross-origin isolated: ${crossOriginIsolated}`);
  const perplexity: PerplexityResult[] = [];
  for (const shape of plan.shapes) {
    const config = await fetchConfig(shape.modelUrl);
    if (shape.seq > config.nPositions) throw new Error(`${shape.name}: seq ${shape.seq} exceeds n_positions ${config.nPositions}`);
    // Identical ids for every backend: one seeded draw per shape.
    const ids = randomTokenIds(shape.batch * shape.seq, config.vocabSize, plan.seed);
    const needsOnnx = plan.backends.some((b) => b.startsWith('ort-'));
    const onnx = needsOnnx ? await fetchBytes(shape.onnxUrl) : null;
    for (const backend of plan.backends) {
      const make = (): Promise<PerplexityRunner> =>
        backend === 'ours' ? createOursRunner(ctx, shape.modelUrl) : createOrtRunner(backend === 'ort-webgpu' ? 'webgpu' : 'wasm', onnx!);
      perplexity.push(await measureBackend(backend, shape, config, ids, make));
    }
  }
  const matmul = plan.matmul ? await sweepMatmul(ctx, plan.matmul, log) : [];
  ctx.device.destroy();
  return {
    startedAt: new Date().toISOString(),
    userAgent: navigator.userAgent,
    adapter: gpu.info.description,
    crossOriginIsolated,
    plan,
    perplexity,
    matmul,
    matmulPeakGflops: matmul.length ? Math.max(...matmul.map((m) => m.gflops)) : null,
    matmulTiming: 'wall time around onSubmittedWorkDone',
  };
}

const planText = new URLSearchParams(location.search).get('plan');
if (!planText) {
  log('No plan: open this page through `npm run bench`, which passes ?plan=<JSON>.');
} else {
  run(JSON.parse(planText) as BenchPlan).then(
    (result) => {
      log('done');
      window.__benchResult = result;
    },
    (e: unknown) => {
      const msg = e instanceof Error ? `${e.message}\n${e.stack ?? ''}` : String(e);
      log(`error: ${msg}`);
      window.__benchError = msg;
    },
  );
}
