// The object the worker exposes over comlink. It owns the GPU device (acquired
// lazily, re-acquired after a loss, the page told when it goes away) and one
// models/lab.ts Lab on it, so the worker and the CLI can never disagree. It
// keeps no settings of its own: Lab.configure holds them and decides what a
// change recomputes. Long operations run one at a time through an OpRunner
// (cancellable, progress thinned); every failure reaches the page as a
// LabErrorInfo.
import { acquireGpu } from '../models/gpu/device.ts';
import { GpuContext } from '../models/gpu/context.ts';
import type { GpuError } from '../models/gpu/errors.ts';
import type { EditRequest, Experiment } from '../models/experiment.ts';
import { Lab, type LabEnv, type LabProgress } from '../models/lab.ts';
import type { EditStep, EvalPoint, FactPreview, ModelLocation } from '../models/lab-types.ts';
import { browserLabEnv } from './browser-lab-env.ts';
import { labErrorInfo, toLabErrorInfo } from './errors.ts';
import { runAddKernelCheck } from './kernel-check.ts';
import { modelFilesFor } from './model-files.ts';
import { OpRunner } from './op-runner.ts';
import type {
  LabApi,
  LabEvent,
  LabEventListener,
  LabSettings,
  LabSnapshotInfo,
  FactPositions,
  LoadResult,
  ProbeResult,
  Progress,
  ProgressCallback,
} from './protocol.ts';

export class LabService implements LabApi {
  /** The live context, or a pending acquisition; null before the first probe and after a loss. */
  private context: Promise<GpuContext> | null = null;
  private listener: LabEventListener | null = null;
  /** Events raised before anyone subscribed, delivered on subscribe. */
  private pending: LabEvent[] = [];
  private readonly runner = new OpRunner();
  private env: LabEnv | null = null;
  /** The Lab holding the loaded model; null before a load and after a device loss. */
  private lab: Lab | null = null;

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

  // ---- The lab ----

  loadModel(location: ModelLocation, settings: LabSettings, onProgress?: ProgressCallback): Promise<LoadResult> {
    return this.runner.run(
      'load the model',
      onProgress,
      async (opts) => {
        const ctx = await this.gpuContext();
        this.env ??= browserLabEnv();
        // A fresh Lab per model: the previous model's buffers are dropped with
        // it, and a failed load leaves the previous model in place.
        const lab = new Lab(ctx, this.env);
        const summary = await lab.loadModel(await modelFilesFor(location), opts);
        const { baseline } = await lab.configure(settings, opts);
        this.lab = lab;
        return { summary, baseline };
      },
      loadStage,
    );
  }

  setSettings(settings: LabSettings, onProgress?: ProgressCallback): Promise<EvalPoint> {
    return this.runner.run('change the settings', onProgress, async (opts) => (await this.requireLab().configure(settings, opts)).baseline);
  }

  previewFact(request: EditRequest): Promise<FactPreview> {
    return this.runner.run('preview the fact', undefined, (opts) => this.requireLab().previewFact(request, opts));
  }

  async factPositions(request: EditRequest): Promise<FactPositions> {
    try {
      return this.requireLab().factPositions(request);
    } catch (e) {
      throw toLabErrorInfo(e);
    }
  }

  applyEdit(request: EditRequest, onProgress?: ProgressCallback): Promise<EditStep> {
    return this.runner.run('apply the edit', onProgress, (opts) => this.requireLab().applyEdit(request, opts));
  }

  undo(index: number, onProgress?: ProgressCallback): Promise<EditStep[]> {
    return this.runner.run(`undo edit ${index + 1}`, onProgress, async (opts) => [...(await this.requireLab().undo(index, opts))]);
  }

  reset(): Promise<void> {
    return this.runner.run('reset the edits', undefined, async () => this.requireLab().reset());
  }

  replay(experiment: Experiment, onProgress?: ProgressCallback): Promise<EditStep[]> {
    return this.runner.run('replay the experiment', onProgress, async (opts) => {
      const lab = this.requireLab();
      const loaded = lab.summary().name;
      if (experiment.model !== loaded) {
        throw labErrorInfo('invalid-request', `The experiment is for the model “${experiment.model}” but “${loaded}” is loaded.`);
      }
      return [...(await lab.replay(experiment, opts))];
    });
  }

  async cancel(): Promise<void> {
    this.runner.cancel();
  }

  async snapshot(): Promise<LabSnapshotInfo> {
    const lab = this.lab;
    if (!lab) return { model: null, baseline: null, steps: [], experiment: null };
    return { model: lab.summary(), baseline: lab.currentBaseline(), steps: [...lab.stepList], experiment: lab.experiment() };
  }

  async experiment(): Promise<Experiment | null> {
    return this.lab?.experiment() ?? null;
  }

  private requireLab(): Lab {
    if (!this.lab) throw labErrorInfo('invalid-request', 'Load a model first.');
    return this.lab;
  }

  // ---- The device ----

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
    if (this.context === lostContext) {
      this.context = null;
      // The model lived on that device: the page rebuilds it (reload + replay).
      this.lab = null;
      this.runner.cancel();
    }
    this.emit({ type: 'device-lost', error: toLabErrorInfo(error) });
  }

  private emit(event: LabEvent): void {
    if (this.listener) void Promise.resolve(this.listener(event)).catch(() => {});
    else this.pending.push(event);
  }
}

/** Loading reports its phase (download, cache, upload, compile) as the stage the page shows. */
function loadStage(p: LabProgress): Progress {
  return p.stage === 'load' && p.detail ? { stage: p.detail, fraction: p.fraction } : p;
}
