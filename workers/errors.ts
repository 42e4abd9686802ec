// Turns whatever was thrown into a LabErrorInfo the page can show: GpuErrors
// keep their kind and hint; anything else is reported as an internal error.
import { toGpuErrorInfo } from '../models/gpu/errors.ts';
import type { LabErrorInfo } from './protocol.ts';

export function toLabErrorInfo(e: unknown): LabErrorInfo {
  const gpu = toGpuErrorInfo(e);
  if (gpu) return gpu;
  return {
    kind: 'internal',
    message: e instanceof Error ? e.message : String(e),
    hint: 'An unexpected error inside the lab. Reload the page; if it persists, report it with the diagnostics.',
  };
}

export function workerFailedInfo(message: string): LabErrorInfo {
  return {
    kind: 'worker-failed',
    message: `The lab's worker failed: ${message}`,
    hint: 'Reload the page. Module workers need a current browser (Chrome/Edge 80+, Firefox 114+, Safari 15+).',
  };
}
