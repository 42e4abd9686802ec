// Types shared by the page and the lab worker. Everything here crosses the
// worker boundary by structured clone, so it is plain data: no classes, no
// GPU objects. Callbacks cross as comlink proxies (wrap them with
// `comlink.proxy(fn)` on the page side).
import type { GpuErrorKind } from '../models/gpu/errors.ts';
import type { GpuFeatures, GpuInfo } from '../models/gpu/device.ts';
import type { EditRequest, EvalSpec, Experiment, MethodSpec, StatsSpec } from '../models/experiment.ts';
import type { EditStep, EvalPoint, FactPreview, LabSnapshot, ModelLocation, ModelSummary } from '../models/lab-types.ts';

/** Why something failed, in words the UI can show as they are. */
export type LabErrorKind =
  | GpuErrorKind
  | 'worker-failed' // the worker script could not start or crashed
  | 'cancelled' // the user cancelled the operation; nothing changed
  | 'busy' // another operation is running in the worker
  | 'invalid-request' // the lab refused the request (no model, bad layer, bad fact...)
  | 'model-source' // a model file could not be read (network, truncated, wrong layout)
  | 'internal'; // any other exception: a bug on our side

export interface LabErrorInfo {
  kind: LabErrorKind;
  message: string;
  hint: string;
}

/** The result of running one known kernel and checking it against the CPU. */
export interface KernelCheck {
  kernel: string;
  /** Elements processed. */
  n: number;
  passed: boolean;
  /** Largest |gpu − cpu| over all elements. */
  maxAbsError: number;
  /** Index of the first wrong element, or -1. */
  firstMismatch: number;
  /** Wall time of upload + dispatch + read-back, including pipeline compilation. */
  elapsedMs: number;
  /** A GPU validation error raised while running it, if any. */
  error?: string;
}

export interface ProbeSuccess {
  ok: true;
  info: GpuInfo;
  features: GpuFeatures;
  kernelCheck: KernelCheck;
  /** The worker's own view of its environment, for bug reports. */
  userAgent: string;
}

export interface ProbeFailure {
  ok: false;
  error: LabErrorInfo;
}

export type ProbeResult = ProbeSuccess | ProbeFailure;

/** Unsolicited news from the worker. */
export type LabEvent = { type: 'device-lost'; error: LabErrorInfo };

export type LabEventListener = (event: LabEvent) => void;

/**
 * Progress of a long operation (load, evaluate, replay). `fraction` is in
 * [0, 1] or null when the total is unknown.
 */
export interface Progress {
  stage: string;
  fraction: number | null;
  detail?: string;
}

export type ProgressCallback = (progress: Progress) => void;

/** Everything the Lab measures and edits with (an Experiment without its model and edits); sent whole by setSettings. */
export interface LabSettings {
  method: MethodSpec;
  mode: 'sequential' | 'single';
  stats: StatsSpec;
  eval: EvalSpec;
}

/** Positions an edit of a fact needs (the longest context template + prompt + target) and the model's. */
export interface FactPositions {
  needed: number;
  available: number;
  /** False before ROME's templates are generated: `needed` then counts the longest they can be. */
  templatesKnown: boolean;
}

export interface LoadResult {
  summary: ModelSummary;
  /** The unedited model's scores under the current plan (point 0 of the curve). */
  baseline: EvalPoint;
}

/** The worker's view of the lab; the page keeps its lists equal to this. */
export type LabSnapshotInfo = LabSnapshot;

/**
 * The worker's API as the page sees it through comlink (`Remote<LabApi>`
 * makes every method async). Plain request in, plain result out, an optional
 * proxied ProgressCallback last. Failures reject with a LabErrorInfo (plain
 * data, not an Error). One operation runs at a time: a second call while one
 * runs rejects with kind 'busy' (the page queues instead); cancel() aborts the
 * running one, which rejects with kind 'cancelled' and leaves the weights and
 * the edit history as they were before it.
 */
export interface LabApi {
  /**
   * Acquire the GPU (or re-acquire it after a loss), describe it and run one
   * kernel as a smoke test. Never throws: failures come back as ProbeFailure.
   */
  probe(): Promise<ProbeResult>;

  /** Register the one listener for LabEvents (device loss). Replaces any earlier one. */
  subscribe(listener: LabEventListener): void;

  /**
   * Destroy the device on purpose, to exercise the device-lost path from the
   * diagnostics page and the e2e tests. The loss arrives as a LabEvent.
   */
  simulateDeviceLoss(): Promise<void>;

  /** Load a model (replacing any loaded one, edits dropped), apply the settings, score the baseline. */
  loadModel(location: ModelLocation, settings: LabSettings, onProgress?: ProgressCallback): Promise<LoadResult>;
  /** Method, mode, statistics and evaluation plan; returns the (re)computed baseline. Mode changes need no edits applied. */
  setSettings(settings: LabSettings, onProgress?: ProgressCallback): Promise<EvalPoint>;
  previewFact(request: EditRequest): Promise<FactPreview>;
  /**
   * Token positions an edit of this fact needs against the model's: tokenizer
   * work only, answered at once even while an operation runs (it is not one).
   */
  factPositions(request: EditRequest): Promise<FactPositions>;
  applyEdit(request: EditRequest, onProgress?: ProgressCallback): Promise<EditStep>;
  /** Undo edit `index`; sequential mode re-applies the later edits. Returns all steps. */
  undo(index: number, onProgress?: ProgressCallback): Promise<EditStep[]>;
  reset(): Promise<void>;
  /** Apply an Experiment's settings and edits from the original weights (the model must be loaded). */
  replay(experiment: Experiment, onProgress?: ProgressCallback): Promise<EditStep[]>;
  /** Abort the running operation, if any. */
  cancel(): Promise<void>;
  snapshot(): Promise<LabSnapshotInfo>;
  experiment(): Promise<Experiment | null>;
}
