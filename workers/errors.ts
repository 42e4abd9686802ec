// Turns whatever was thrown into a LabErrorInfo the page can show: GpuErrors
// keep their kind and hint; the engine's own error classes are recognised by
// name (importing them would pull the engine into the page's bundle);
// anything else is reported as an internal error.
import { toGpuErrorInfo } from '../models/gpu/errors.ts';
import type { LabErrorInfo, LabErrorKind } from './protocol.ts';

/** Engine errors that mean "this request or file is wrong", not "the lab is broken". */
const REQUEST_ERRORS = new Set(['LabError', 'ExperimentError', 'DataError', 'NotPositiveDefiniteError', 'SequenceLengthError']);
const SOURCE_ERRORS = new Set(['SourceError', 'Gpt2ConfigError', 'Gpt2WeightsError', 'SafetensorsError', 'NpzError', 'NpyError', 'ZipError']);

const HINTS: Partial<Record<LabErrorKind, string>> = {
  cancelled: 'Cancelled: the model and the edit history are as they were before.',
  busy: 'Another operation is running; wait for it or cancel it.',
  'invalid-request': 'Check the inputs and the settings; nothing was changed.',
  'model-source':
    'The model files could not be read: check the connection (hub models), or pick a folder holding config.json and model.safetensors of a GPT-2 model.',
};

export function toLabErrorInfo(e: unknown): LabErrorInfo {
  if (isLabErrorInfo(e)) return e;
  const gpu = toGpuErrorInfo(e);
  if (gpu) return gpu;
  const name = e instanceof Error ? e.name : '';
  const message = e instanceof Error ? e.message : String(e);
  if (name === 'AbortError') return cancelledInfo();
  if (REQUEST_ERRORS.has(name)) return labErrorInfo('invalid-request', message);
  if (SOURCE_ERRORS.has(name)) return labErrorInfo('model-source', message);
  return {
    kind: 'internal',
    message,
    hint: 'An unexpected error inside the lab. Reload the page; if it persists, report it with the diagnostics.',
  };
}

export function labErrorInfo(kind: LabErrorKind, message: string): LabErrorInfo {
  return { kind, message, hint: HINTS[kind] ?? '' };
}

export function cancelledInfo(what = 'the operation'): LabErrorInfo {
  return labErrorInfo('cancelled', `Cancelled ${what}.`);
}

/** A LabErrorInfo that crossed the worker boundary (comlink rethrows plain objects as they are). */
export function isLabErrorInfo(e: unknown): e is LabErrorInfo {
  if (!e || typeof e !== 'object') return false;
  const x = e as Record<string, unknown>;
  return typeof x.kind === 'string' && typeof x.message === 'string' && typeof x.hint === 'string' && !(e instanceof Error);
}

export function workerFailedInfo(message: string): LabErrorInfo {
  return {
    kind: 'worker-failed',
    message: `The lab's worker failed: ${message}`,
    hint: 'Reload the page. Module workers need a current browser (Chrome/Edge 80+, Firefox 114+, Safari 15+).',
  };
}
