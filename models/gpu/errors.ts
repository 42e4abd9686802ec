// Typed, human-readable failures of GPU acquisition and use.
// The UI shows `message` and `hint`; `kind` lets code branch without parsing text.

export type GpuErrorKind =
  | 'no-webgpu' // navigator.gpu is missing: browser without WebGPU or flag off
  | 'insecure-context' // WebGPU exists only on https:// or http://localhost
  | 'no-adapter' // requestAdapter() gave null: blocklisted or no usable GPU
  | 'device-request-failed' // requestDevice() rejected (limits or features refused)
  | 'device-lost' // the device went away (driver reset, tab backgrounded, destroy())
  | 'out-of-memory' // an allocation exceeded what the device allows
  | 'validation'; // a WGSL or binding error: a bug on our side

const HINTS: Record<GpuErrorKind, string> = {
  'no-webgpu':
    'Use a browser with WebGPU: Chrome or Edge 113+, or Chromium started with --enable-unsafe-webgpu. Firefox and Safari need WebGPU enabled in their settings.',
  'insecure-context': 'Open the lab from https:// or http://localhost; browsers hide WebGPU from other http:// pages.',
  'no-adapter':
    'The browser found no usable GPU. Update the graphics driver, check chrome://gpu, or start Chromium with --enable-unsafe-webgpu --use-webgpu-adapter=swiftshader for a slow software fallback.',
  'device-request-failed': 'The GPU refused the requested limits. Try a smaller model or another browser.',
  'device-lost': 'The GPU device was lost. Reconnect to get a fresh device; the edit history is kept and replayed on it.',
  'out-of-memory': 'The model does not fit in this GPU. Pick a smaller model.',
  validation: 'An internal GPU error: please report it with the diagnostics page.',
};

export class GpuError extends Error {
  readonly kind: GpuErrorKind;
  readonly hint: string;
  constructor(kind: GpuErrorKind, message: string) {
    super(message);
    this.name = 'GpuError';
    this.kind = kind;
    this.hint = HINTS[kind];
  }
}

/** Plain-object form that survives structured clone (worker → page). */
export interface GpuErrorInfo {
  kind: GpuErrorKind;
  message: string;
  hint: string;
}

export function toGpuErrorInfo(e: unknown): GpuErrorInfo | null {
  if (e instanceof GpuError) return { kind: e.kind, message: e.message, hint: e.hint };
  return null;
}
