// The edit benchmark on a real GPU: GPT-2 small, medium and XL shapes with
// seeded random weights (generated while loading, nothing on disk), f32 and
// f16, in Node through Dawn. Per shape and dtype it prints
//   forward+NLL tokens/s at a fixed batch×seq, and its achieved GFLOP/s
//   ROME's stages in seconds and counters: templates, key statistics (once per layer), Cholesky, k̄, v*, solve, update
//   one v* step, its ratio to forward+NLL over the same prompts, its achieved GFLOP/s
//   the evaluation point's tokens/s ÷ the forward's, buffers created per step
// against the GPU's fp32 peak (GPU_PEAK_TFLOPS, or a table of known GPUs).
// Run through bench/device/run.sh; writes bench/results/device-<time>.json.
//   npx tsx bench/device/gpu-bench.ts [--shapes gpt2,gpt2-medium,gpt2-xl] [--dtypes F32,F16] [--steps 8]
import { mkdirSync, writeFileSync } from 'node:fs';
import { nodeGpuContext } from '../../models/gpu/node-gpu.ts';
import { destroyGpt2Weights } from '../../models/gpt2/gpu-weights.ts';
import { loadGpt2 } from '../../models/gpt2/load.ts';
import type { Gpt2PresetId } from '../../models/gpt2/presets.ts';
import { benchEditShape, type EditBenchShape } from '../edit.ts';
import type { EditStage } from '../edit-stages.ts';
import { gpt2ForwardFlops } from '../flops.ts';
import { randomModelFiles } from './random-model.ts';
import { benchFlags } from '../flags.ts';

/** fp32 (non-tensor-core) peaks in TFLOP/s: WGSL matmuls run on the CUDA cores. */
const PEAKS: Array<[RegExp, number]> = [
  [/H200|H100.*SXM|H100 80GB HBM3/i, 66.9],
  [/H100/i, 51.2],
  [/A100/i, 19.5],
  [/L40S/i, 91.6],
  [/L4\b/i, 30.3],
  [/A10\b|A10G/i, 31.2],
  [/T4\b/i, 8.1],
  [/4090/i, 82.6],
  [/3090/i, 35.6],
];

const flags = benchFlags({ shapes: 'gpt2,gpt2-medium,gpt2-xl', dtypes: 'F32,F16', steps: '8' });
const shapes = flags.shapes.split(',') as Gpt2PresetId[];
const dtypes = flags.dtypes.split(',') as Array<'F32' | 'F16'>;
const steps = Number(flags.steps);
const log = (s: string) => console.error(`[device ${new Date().toISOString().slice(11, 19)}] ${s}`);

const ctx = await nodeGpuContext();
const info = ctx.gpu.info;
const adapter = `${info.vendor} ${info.architecture} ${info.device} ${info.description}`.replace(/\s+/g, ' ').trim();
const peakTflops = Number(process.env.GPU_PEAK_TFLOPS) || PEAKS.find(([re]) => re.test(adapter))?.[1] || NaN;
log(`adapter: ${adapter}${info.isSoftware ? ' (SOFTWARE: this is not the GPU; see bench/device/README.md)' : ''}; fp32 peak ${peakTflops} TFLOP/s`);
const templates = ['{}', 'The following is true. {}', 'Therefore, it is known that {}', 'I read that {}', 'You know, {}'];
const rows: unknown[] = [];

const timed = async <T>(f: () => Promise<T> | T): Promise<[T, number]> => {
  await ctx.sync();
  const t0 = performance.now();
  const r = await f();
  await ctx.sync();
  return [r, (performance.now() - t0) / 1000];
};

for (const shape of shapes) {
  for (const dtype of dtypes) {
    log(`${shape} ${dtype}: loading random weights ...`);
    const [model, tLoad] = await timed(() => loadGpt2(ctx, randomModelFiles(shape, dtype)));
    const c = model.config;
    try {
      const plan: EditBenchShape = { name: `${shape}-${dtype}`, steps, templates, forwardBatch: 8, forwardSeq: 256, evalTexts: 50, repeats: 3, statsTokens: 4096, editSteps: 20 };
      const r = await benchEditShape(ctx, model, plan, log);
      const fwdFlops = gpt2ForwardFlops(c, plan.forwardBatch, plan.forwardSeq);
      // v* step ≈ forward of the blocks above the edit layer + their backward (2×) + two passes of the loss rows over the vocabulary.
      const upper = (c.nLayer - r.model.editLayer - 1) / c.nLayer;
      const blockFlops = gpt2ForwardFlops({ ...c, vocabSize: 0 }, 1, 1) * r.prompts.tokens;
      const lossRows = templates.length + 1;
      const vFlops = 3 * upper * blockFlops + 2 * 2 * lossRows * c.nEmbd * c.vocabSize;

      // ROME's stages (benchEditShape ran them one by one: statistics over 4,096 random tokens, 20 v* steps).
      const stages = r.editStages;
      const sec = Object.fromEntries(stages.map((st) => [st.stage, st.seconds])) as Record<EditStage['stage'], number>;

      const gflops = (flops: number, s: number) => flops / s / 1e9;
      const row = {
        shape,
        dtype,
        loadSeconds: tLoad,
        forward: { batch: plan.forwardBatch, seq: plan.forwardSeq, tokensPerSecond: r.forwardBench.tokensPerSecond, gflops: gflops(fwdFlops, r.forwardBench.seconds) },
        vStep: { seconds: r.vStar.stepSeconds, ratio: r.vStar.ratio, gflops: gflops(vFlops, r.vStar.stepSeconds), countersPerStep: r.vStar.countersPerStep },
        evalPoint: { tokensPerSecond: r.evalPoint.tokensPerSecond, ratio: r.evalPoint.ratio, buffersPerBatch: r.evalPoint.countersPerBatch.buffersCreated },
        edit: { ...sec, vStarSteps: plan.editSteps, total: sec.keys + sec.vStar + sec.solve + sec.update, stages },
        peakFraction: { forward: gflops(fwdFlops, r.forwardBench.seconds) / (peakTflops * 1e3), vStep: gflops(vFlops, r.vStar.stepSeconds) / (peakTflops * 1e3) },
      };
      rows.push(row);
      console.log(JSON.stringify(row));
    } finally {
      destroyGpt2Weights(model.weights);
      ctx.trimPool();
    }
  }
}

const out = { date: new Date().toISOString(), adapter, peakTflops, software: info.isSoftware, rows };
mkdirSync('bench/results', { recursive: true });
const file = `bench/results/device-${out.date.replace(/[:.]/g, '-')}.json`;
writeFileSync(file, JSON.stringify(out, null, 2) + '\n');
log(`wrote ${file}`);
process.exit(0);
