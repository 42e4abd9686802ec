// Warm-up, then timed repeats of an async operation, reporting the median.
// A time budget caps slow backends (a software WebGPU adapter can take a
// minute per pass) without dropping below one timed run.
import type { TimedRuns } from './plan.ts';

export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export async function timeRuns(
  run: () => Promise<unknown>,
  opts: { warmup: number; repeats: number; budgetSeconds: number; onRun?: (label: string, seconds: number) => void },
): Promise<TimedRuns> {
  const started = performance.now();
  const spent = () => (performance.now() - started) / 1000;
  const once = async (label: string) => {
    const t0 = performance.now();
    await run();
    const s = (performance.now() - t0) / 1000;
    opts.onRun?.(label, s);
    return s;
  };
  const warmupSeconds: number[] = [];
  for (let i = 0; i < opts.warmup && (i === 0 || spent() < opts.budgetSeconds); i++) warmupSeconds.push(await once(`warm-up ${i + 1}`));
  const seconds: number[] = [];
  for (let i = 0; i < Math.max(1, opts.repeats); i++) {
    if (i > 0 && spent() > opts.budgetSeconds) break;
    seconds.push(await once(`run ${i + 1}`));
  }
  return { seconds, medianSeconds: median(seconds), warmupSeconds };
}
