// The object the worker exposes over comlink. It owns the GPU device (acquired
// lazily, re-acquired after a loss, the page told when it goes away) and one
// models/lab.ts Lab on it, so the worker and the CLI can never disagree. Long
// operations run one at a time through an OpRunner (cancellable, progress
// thinned); every failure reaches the page as a LabErrorInfo.
import { DEFAULT_EVAL_SET, DEFAULT_STATS_CORPUS, DEFAULT_STATS_TOKENS } from '../models/defaults.ts';
import { acquireGpu } from '../models/gpu/device.ts';
import { GpuContext } from '../models/gpu/context.ts';
import type { GpuError } from '../models/gpu/errors.ts';
import type { EditRequest, Experiment } from '../models/experiment.ts';
import { Lab, type LabEnv, type LabProgress, type OpOptions } from '../models/lab.ts';
import type { EditStep, EvalPoint, FactPreview, ModelLocation } from '../models/lab-types.ts';
import { browserLabEnv } from './browser-lab-env.ts';
import { labErrorInfo, toLabErrorInfo } from './errors.ts';
import { runAddKernelCheck } from './kernel-check.ts';
import { modelFilesFor } from './model-files.ts';
import { OpRunner } from './op-runner.ts';
import { sameSettings } from './settings-compare.ts';
import type {
  LabApi,
  LabEvent,
  LabEventListener,
  LabSettings,
  LabSnapshotInfo,
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
  private settings: LabSettings | null = null;
  private baselinePoint: EvalPoint | null = null;

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
        const baseline = await applySettings(lab, null, settings, opts);
        this.lab = lab;
        this.settings = structuredClone(settings);
        this.baselinePoint = baseline;
        return { summary, baseline };
      },
      loadStage,
    );
  }

  setSettings(settings: LabSettings, onProgress?: ProgressCallback): Promise<EvalPoint> {
    return this.runner.run('change the settings', onProgress, async (opts) => {
      const lab = this.requireLab();
      this.baselinePoint = await applySettings(lab, this.settings, settings, opts);
      this.settings = structuredClone(settings);
      return this.baselinePoint;
    });
  }

  previewFact(request: EditRequest): Promise<FactPreview> {
    return this.runner.run('preview the fact', undefined, (opts) => this.requireLab().previewFact(request, opts));
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
      try {
        return [...(await lab.replay(experiment, opts))];
      } finally {
        // Replay sets the Lab's settings from the experiment, even when it stops half-way.
        this.settings = settingsOf(experiment, this.settings);
        this.baselinePoint = await lab.baseline().catch(() => this.baselinePoint);
      }
    });
  }

  async cancel(): Promise<void> {
    this.runner.cancel();
  }

  async snapshot(): Promise<LabSnapshotInfo> {
    const lab = this.lab;
    if (!lab) return { model: null, baseline: null, steps: [], experiment: null };
    return { model: lab.summary(), baseline: this.baselinePoint, steps: [...lab.stepList], experiment: lab.experiment() };
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
      this.baselinePoint = null;
      this.runner.cancel();
    }
    this.emit({ type: 'device-lost', error: toLabErrorInfo(error) });
  }

  private emit(event: LabEvent): void {
    if (this.listener) void Promise.resolve(this.listener(event)).catch(() => {});
    else this.pending.push(event);
  }
}

/** Send `next` to the Lab, touching only what changed; returns the baseline under the new plan. */
async function applySettings(lab: Lab, current: LabSettings | null, next: LabSettings, opts: OpOptions): Promise<EvalPoint> {
  if (current && current.mode !== next.mode && lab.stepList.length) {
    throw labErrorInfo('invalid-request', 'Reset the edits before switching between sequential and single mode.');
  }
  lab.setMethod(next.method); // validates (layer, method name) before anything changes
  if (!current || current.mode !== next.mode) lab.setMode(next.mode);
  if (!current || !sameSettings(current.stats, next.stats)) lab.setStats(next.stats);
  if (!current || !sameSettings(current.eval, next.eval)) return lab.setPlan(planOf(next.eval), opts);
  return lab.baseline(opts);
}

function settingsOf(exp: Experiment, previous: LabSettings | null): LabSettings {
  return { method: exp.method, mode: exp.mode, stats: exp.stats ?? previous?.stats ?? { texts: DEFAULT_STATS_CORPUS, max_tokens: DEFAULT_STATS_TOKENS }, eval: { texts: DEFAULT_EVAL_SET, ...previous?.eval, ...exp.eval } };
}

function planOf(e: LabSettings['eval']) {
  return { texts: e.texts ?? DEFAULT_EVAL_SET, ...(e.tasks ? { tasks: e.tasks } : {}), ...(e.collapse_factor !== undefined ? { collapseFactor: e.collapse_factor } : {}), ...(e.seed !== undefined ? { seed: e.seed } : {}) };
}

/** Loading reports its phase (download, cache, upload, compile) as the stage the page shows. */
function loadStage(p: LabProgress): Progress {
  return p.stage === 'load' && p.detail ? { stage: p.detail, fraction: p.fraction } : p;
}
