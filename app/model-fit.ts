// Will a GPT-2 of a given size run on this device? Checked before anything is
// downloaded, from the preset's shapes and the device's limits. The loader
// splits the weights per tensor and the token embedding into row chunks, so
// the binding limit applies to the largest non-embedding tensor; the total
// has no WebGPU limit to read, so it is held against a stated budget.
import type { Gpt2Config } from '../models/gpt2/config.ts';
import type { Gpt2Preset } from '../models/gpt2/presets.ts';

/** GPU memory a hardware adapter can usually give one tab without trouble. */
export const HARDWARE_BUDGET = 4 * 2 ** 30;
/** SwiftShader and friends use system RAM, and are slow: keep them to small models. */
export const SOFTWARE_BUDGET = 2 * 2 ** 30;
/** Activations, gradients for v*, scoring batches: a rough share on top of the weights. */
const WORKING_FRACTION = 0.25;

export interface FitReport {
  /** Weights in F32 (what the hub's model.safetensors holds and the GPU keeps). */
  downloadBytes: number;
  gpuBytes: number;
  largestTensorBytes: number;
  /** Reasons it cannot run at all. */
  blockers: string[];
  /** Reasons it may fail or be very slow. */
  warnings: string[];
}

export function largestNonEmbeddingTensorBytes(c: Gpt2Config, bytesPerValue = 4): number {
  const d = c.nEmbd;
  return Math.max(d * 3 * d, d * c.nInner, c.nPositions * d) * bytesPerValue;
}

const mib = (b: number) => `${(b / 2 ** 20).toFixed(0)} MiB`;
const gib = (b: number) => `${(b / 2 ** 30).toFixed(1)} GiB`;

export function checkPresetFit(preset: Gpt2Preset, limits: Record<string, number>, isSoftware: boolean): FitReport {
  const downloadBytes = preset.bytesF32;
  const gpuBytes = Math.round(downloadBytes * (1 + WORKING_FRACTION));
  const largestTensorBytes = largestNonEmbeddingTensorBytes(preset.config);
  const blockers: string[] = [];
  const warnings: string[] = [];
  const binding = limits.maxStorageBufferBindingSize ?? 128 * 2 ** 20;
  const maxBuffer = limits.maxBufferSize ?? 256 * 2 ** 20;
  if (largestTensorBytes > binding) blockers.push(`its largest weight matrix (${mib(largestTensorBytes)}) exceeds this device's storage binding limit (${mib(binding)})`);
  if (largestTensorBytes > maxBuffer) blockers.push(`its largest weight matrix (${mib(largestTensorBytes)}) exceeds this device's largest buffer (${mib(maxBuffer)})`);
  const budget = isSoftware ? SOFTWARE_BUDGET : HARDWARE_BUDGET;
  if (gpuBytes > budget) {
    warnings.push(`it needs about ${gib(gpuBytes)} of GPU memory, more than the ${gib(budget)} a ${isSoftware ? 'software adapter' : 'browser tab'} can usually get`);
  }
  if (isSoftware && preset.parameterCount > 200e6) warnings.push('on a software adapter every edit takes many minutes');
  return { downloadBytes, gpuBytes, largestTensorBytes, blockers, warnings };
}
