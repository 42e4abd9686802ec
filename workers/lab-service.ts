// The object the worker exposes over comlink. It owns the GPU device: it
// acquires it lazily, re-acquires it after a loss and tells the page when
// the device goes away. Model, edits and evaluation will be delegated to
// models/lab.ts so the worker and the CLI can never disagree.
import { acquireGpu } from '../models/gpu/device.ts';
import { GpuContext } from '../models/gpu/context.ts';
import type { GpuError } from '../models/gpu/errors.ts';
import { toLabErrorInfo } from './errors.ts';
import { runAddKernelCheck } from './kernel-check.ts';
import type { LabApi, LabEvent, LabEventListener, ProbeResult } from './protocol.ts';

export class LabService implements LabApi {
  /** The live context, or a pending acquisition; null before the first probe and after a loss. */
  private context: Promise<GpuContext> | null = null;
  private listener: LabEventListener | null = null;
  /** Events raised before anyone subscribed, delivered on subscribe. */
  private pending: LabEvent[] = [];

  async probe(): Promise<ProbeResult> {
    try {
      const ctx = await this.gpuContext();
      const kernelCheck = await runAddKernelCheck(ctx);
      return {
        ok: true,
        info: ctx.gpu.info,
        features: ctx.gpu.features,
        kernelCheck,
        userAgent: navigator.userAgent,
      };
    } catch (e) {
      return { ok: false, error: toLabErrorInfo(e) };
    }
  }

  subscribe(listener: LabEventListener): void {
    this.listener = listener;
    const pending = this.pending;
    this.pending = [];
    for (const event of pending) this.emit(event);
  }

  async simulateDeviceLoss(): Promise<void> {
    const ctx = await this.context?.catch(() => null);
    if (!ctx) return; // no device to lose
    ctx.device.destroy();
    // Return only once the loss has been handled, so callers see its effects.
    await ctx.gpu.lost;
  }

  /** The GPU context, acquired on first use; concurrent callers share one acquisition. */
  private gpuContext(): Promise<GpuContext> {
    if (!this.context) {
      const acquiring = acquireGpu().then((gpu) => {
        const ctx = new GpuContext(gpu);
        // Errors outside an error scope would otherwise vanish silently.
        gpu.device.addEventListener('uncapturederror', (ev) => {
          console.error('[lab worker] uncaptured GPU error:', (ev as GPUUncapturedErrorEvent).error.message);
        });
        void gpu.lost.then((error) => this.onDeviceLost(acquiring, error));
        return ctx;
      });
      // A failed acquisition must not be cached: the next probe tries again.
      acquiring.catch(() => {
        if (this.context === acquiring) this.context = null;
      });
      this.context = acquiring;
    }
    return this.context;
  }

  private onDeviceLost(lostContext: Promise<GpuContext>, error: GpuError): void {
    if (this.context === lostContext) this.context = null;
    this.emit({ type: 'device-lost', error: toLabErrorInfo(error) });
  }

  private emit(event: LabEvent): void {
    if (this.listener) void Promise.resolve(this.listener(event)).catch(() => {});
    else this.pending.push(event);
  }
}
