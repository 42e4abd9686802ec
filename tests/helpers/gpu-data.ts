// Test inputs on the GPU, and kernel calls that surface WebGPU validation
// errors (a WGSL compile error would otherwise just leave zeros behind).
import type { GpuContext } from '../../models/gpu/context.ts';
import { toHalves, fromHalves } from '../../models/gpu/half.ts';
import type { GpuTensor } from '../../models/gpu/tensor.ts';

export interface Uploaded {
  tensor: GpuTensor;
  /** The values the kernel reads: for f16, the inputs rounded to half. */
  values: Float32Array;
}

/** Upload `values` as f32, or as packed halves for 'f16'. */
export function uploadAs(ctx: GpuContext, values: Float32Array, shape: readonly number[], dtype: 'f32' | 'f16'): Uploaded {
  if (dtype === 'f32') return { tensor: ctx.upload(values, shape), values };
  const halves = toHalves(values);
  return { tensor: ctx.upload(halves, shape, 'f16'), values: fromHalves(halves) };
}

/** Runs `record` (which dispatches kernels) and throws any validation error it caused. */
export async function checked<T>(ctx: GpuContext, record: () => T): Promise<T> {
  ctx.device.pushErrorScope('validation');
  const result = record();
  ctx.flush();
  const err = await ctx.device.popErrorScope();
  if (err) throw new Error(`WebGPU validation error: ${err.message}`);
  return result;
}
