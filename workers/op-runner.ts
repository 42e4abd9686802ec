// One long operation at a time inside the worker, each with its own
// AbortController so cancel() stops exactly the running one. Progress is
// thinned out before it crosses to the page (a v* step or a scored batch can
// arrive every few milliseconds on a fast GPU).
import type { LabProgress, OpOptions } from '../models/lab.ts';
import { cancelledInfo, labErrorInfo, toLabErrorInfo } from './errors.ts';
import type { Progress, ProgressCallback } from './protocol.ts';

const PROGRESS_INTERVAL_MS = 80;

export class OpRunner {
  private running: { name: string; controller: AbortController } | null = null;

  get busy(): string | null {
    return this.running?.name ?? null;
  }

  /** Run `body` as the one operation; rejects with a LabErrorInfo ('busy', 'cancelled' or the failure). */
  async run<T>(name: string, onProgress: ProgressCallback | undefined, body: (opts: OpOptions) => Promise<T>, mapStage?: (p: LabProgress) => Progress): Promise<T> {
    if (this.running) throw labErrorInfo('busy', `Cannot ${name} while the lab is busy (${this.running.name}).`);
    const controller = new AbortController();
    this.running = { name, controller };
    const report = thinned(onProgress);
    try {
      return await body({ signal: controller.signal, onProgress: (p) => report(mapStage ? mapStage(p) : p) });
    } catch (e) {
      if (controller.signal.aborted) throw cancelledInfo(`“${name}”`);
      throw toLabErrorInfo(e);
    } finally {
      this.running = null;
    }
  }

  /** Abort the running operation (it rejects with kind 'cancelled'); false when nothing runs. */
  cancel(): boolean {
    if (!this.running) return false;
    this.running.controller.abort();
    return true;
  }
}

/** Forwards a stage change at once, otherwise at most one report per interval. */
function thinned(callback: ProgressCallback | undefined): (p: Progress) => void {
  if (!callback) return () => {};
  let last = 0;
  let lastStage = '';
  return (p) => {
    const now = performance.now();
    if (p.stage === lastStage && now - last < PROGRESS_INTERVAL_MS && p.fraction !== 1) return;
    last = now;
    lastStage = p.stage;
    // A page that went away must not fail the operation.
    void Promise.resolve(callback({ stage: p.stage, fraction: p.fraction, ...(p.detail !== undefined ? { detail: p.detail } : {}) })).catch(() => {});
  };
}
