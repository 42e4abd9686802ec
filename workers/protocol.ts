// Types shared by the page and the lab worker. Everything here crosses the
// worker boundary by structured clone, so it is plain data: no classes, no
// GPU objects. Callbacks cross as comlink proxies (wrap them with
// `comlink.proxy(fn)` on the page side).
import type { GpuErrorKind } from '../models/gpu/errors.ts';
import type { GpuFeatures, GpuInfo } from '../models/gpu/device.ts';

/** Why something failed, in words the UI can show as they are. */
export type LabErrorKind =
  | GpuErrorKind
  | 'worker-failed' // the worker script could not start or crashed
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

/**
 * The worker's API as the page sees it through comlink (`Remote<LabApi>`
 * makes every method async). Later methods follow the same shape: plain
 * request in, plain result out, an optional proxied ProgressCallback last:
 *
 *   load(request: LoadRequest, onProgress?: ProgressCallback): Promise<LoadResult>
 *   evaluate(request: EvalRequest, onProgress?: ProgressCallback): Promise<EvalResult>
 *   applyEdit(request: EditRequest, onProgress?: ProgressCallback): Promise<EditResult>
 *   undo(): Promise<EditResult>;  reset(): Promise<void>
 *   replay(experiment: Experiment, onProgress?: ProgressCallback): Promise<EvalResult[]>
 *   cancel(): Promise<void>   // aborts the running operation; it rejects with kind 'cancelled'
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
}
