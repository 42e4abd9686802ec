// GFLOP/s of our matmul kernel across its tile configurations. Each point
// records several dispatches into one submit and divides the wall time to
// onSubmittedWorkDone by their count, after an untimed dispatch that compiles
// the pipeline; of a few such rounds the fastest counts. The best point is the
// adapter's measured matmul peak, the yardstick for "share of peak" in the report.
import type { GpuContext } from '../models/gpu/context.ts';
import { MATMUL_CONFIGS, matmul, validateMatmulConfig } from '../models/kernels/matmul.ts';
import { matmulFlops } from './flops.ts';
import type { MatmulPlan, MatmulResult } from './plan.ts';
import { fillGaussian, mulberry32 } from './seeded-random.ts';

async function timeDispatches(ctx: GpuContext, dispatch: () => void, count: number): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < count; i++) dispatch();
  await ctx.sync();
  return (performance.now() - t0) / 1000;
}

export async function sweepMatmul(ctx: GpuContext, plan: MatmulPlan, log: (line: string) => void): Promise<MatmulResult[]> {
  const names = plan.configs.length ? plan.configs : Object.keys(MATMUL_CONFIGS);
  const results: MatmulResult[] = [];
  const rand = mulberry32(7);
  for (const { m, k, n, transB = false } of plan.shapes) {
    const a = ctx.upload(fillGaussian(new Float32Array(m * k), rand, 0, 1), [m, k], 'f32', 'bench.A');
    const b = ctx.upload(fillGaussian(new Float32Array(k * n), rand, 0, 1), transB ? [n, k] : [k, n], 'f32', 'bench.B');
    const out = ctx.empty([m, n], 'f32', 'bench.C');
    for (const name of names) {
      const config = MATMUL_CONFIGS[name];
      if (!config) throw new Error(`unknown matmul config "${name}" (known: ${Object.keys(MATMUL_CONFIGS).join(', ')})`);
      try {
        validateMatmulConfig(config, ctx.limits);
      } catch (e) {
        log(`matmul ${name}: skipped (${(e as Error).message})`);
        continue;
      }
      const dispatch = () => void matmul(ctx, a, b, { out, config, transB });
      const first = await timeDispatches(ctx, dispatch, 1); // compiles the pipeline
      const count = Math.max(2, Math.min(50, Math.ceil(plan.minSeconds / Math.max(first, 1e-4))));
      let seconds = Infinity;
      for (let r = 0; r < Math.max(1, plan.rounds); r++) seconds = Math.min(seconds, (await timeDispatches(ctx, dispatch, count)) / count);
      const gflops = matmulFlops(m, k, n) / seconds / 1e9;
      results.push({ config: name, m, k, n, transB, dispatches: count, secondsPerDispatch: seconds, gflops });
      log(`matmul ${m}x${k}x${n}${transB ? 'ᵀ' : ''} ${name}: ${gflops.toFixed(2)} GFLOP/s (${count} dispatches, ${(seconds * 1000).toFixed(1)} ms each)`);
    }
    ctx.release(a, b, out);
    await ctx.sync();
  }
  return results;
}
