// The float64 factorisations (cholesky.ts, lu.ts, eigen.ts) are generators
// that yield the fraction of work done at checkpoints, so one piece of code
// runs synchronously (tests, the CLI) or cooperatively in a worker: progress,
// cancel, and a yield to the event loop so messages get through.

export interface StepsOptions {
  signal?: AbortSignal;
  /** Fraction of the (estimated) work done, awaited before the work goes on. */
  onProgress?: (fraction: number) => void | Promise<void>;
  /** Multiply-adds between checkpoints (progress, abort check, yield). Default 2e7 (~10-30 ms). */
  checkpointWork?: number;
}

/** Run the generator to its end at once. */
export function runSteps<T>(run: Generator<number, T, void>): T {
  let step = run.next();
  while (!step.done) step = run.next();
  return step.value;
}

/** Run it cooperatively: progress at every checkpoint, the signal checked, a macrotask yielded at most every ~8 ms. */
export async function runStepsAsync<T>(run: Generator<number, T, void>, { signal, onProgress }: StepsOptions): Promise<T> {
  signal?.throwIfAborted();
  let lastYield = now();
  for (;;) {
    const step = run.next();
    if (step.done) {
      await onProgress?.(1);
      return step.value;
    }
    signal?.throwIfAborted();
    await onProgress?.(step.value);
    // Often enough for messages, rare enough to cost nothing.
    if (now() - lastYield >= 8) {
      await yieldToEventLoop();
      lastYield = now();
      signal?.throwIfAborted();
    }
  }
}

function now(): number {
  return typeof performance !== 'undefined' ? performance.now() : Date.now();
}

/**
 * Let queued events (worker messages, timers) run. setImmediate in Node; elsewhere a
 * MessageChannel round trip, which, unlike setTimeout(0), is not clamped to 4 ms.
 */
function yieldToEventLoop(): Promise<void> {
  const g = globalThis as { setImmediate?: (cb: () => void) => unknown };
  if (typeof g.setImmediate === 'function') {
    const setImmediateFn = g.setImmediate;
    return new Promise((resolve) => void setImmediateFn(resolve));
  }
  if (typeof MessageChannel !== 'undefined') {
    return new Promise((resolve) => {
      const channel = new MessageChannel();
      channel.port1.onmessage = () => {
        channel.port1.close();
        resolve();
      };
      channel.port2.postMessage(null);
    });
  }
  return new Promise((resolve) => setTimeout(resolve, 0));
}
