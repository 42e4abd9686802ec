// A tensor on the GPU: one storage buffer, a shape and an element type.
// f16 tensors are stored packed two per u32 (SwiftShader has no shader-f16);
// kernels read them with unpack2x16float.

export type DType = 'f32' | 'f16' | 'u32' | 'i32';

export interface GpuTensor {
  readonly buffer: GPUBuffer;
  readonly shape: readonly number[];
  readonly dtype: DType;
  /** Number of logical elements (product of shape). */
  readonly size: number;
}

export function numel(shape: readonly number[]): number {
  let n = 1;
  for (const s of shape) {
    if (!Number.isInteger(s) || s < 0) throw new Error(`invalid tensor shape [${shape.join(', ')}]`);
    n *= s;
  }
  return n;
}

/** Bytes a tensor occupies on the GPU, rounded up to 4 (buffer sizes must be multiples of 4). */
export function byteSize(dtype: DType, size: number): number {
  const raw = dtype === 'f16' ? size * 2 : size * 4;
  return Math.max(4, Math.ceil(raw / 4) * 4);
}

export function shapeText(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}
