// WGSL snippets shared by the kernels: typed element reads (f16 arrives
// packed two halves per u32, since SwiftShader and many GPUs lack
// shader-f16) and a workgroup-wide reduction.
import type { DType } from '../gpu/tensor.ts';

export type FloatDType = 'f32' | 'f16';

/** The WGSL storage element type a tensor of `dtype` is bound as. */
export function storageArray(dtype: FloatDType): string {
  return dtype === 'f16' ? 'array<u32>' : 'array<f32>';
}

/** `fn name(i: u32) -> f32` reading logical element i of `buffer`, whatever its dtype. */
export function elementReader(name: string, buffer: string, dtype: FloatDType): string {
  return dtype === 'f16'
    ? `fn ${name}(i: u32) -> f32 { return unpack2x16float(${buffer}[i >> 1u])[i & 1u]; }`
    : `fn ${name}(i: u32) -> f32 { return ${buffer}[i]; }`;
}

/**
 * `wgSum(v, lid)` and `wgMax(v, lid)`: reduce one value per invocation over a
 * workgroup of `size` invocations (a multiple of 4). Every invocation gets the
 * same result; call from uniform control flow only (they contain barriers).
 *
 * Each invocation reads all partials itself instead of a log2(size)-step
 * tree: two barriers instead of log2(size) + 1. Barriers dominate on CPU
 * adapters (SwiftShader switches every 4-lane group at each), and on GPUs the
 * broadcast reads of `size` floats from workgroup memory cost next to nothing.
 */
export function workgroupReduce(size: number): string {
  if (size % 4) throw new Error(`workgroupReduce: size ${size} is not a multiple of 4`);
  const body = (init: string, op: (acc: string, v: string) => string, finish: string) => `
  red[lid] = v;
  workgroupBarrier();
  var acc = ${init};
  for (var i = 0u; i < ${size / 4}u; i++) {
    let q = vec4<f32>(red[4u * i], red[4u * i + 1u], red[4u * i + 2u], red[4u * i + 3u]);
    acc = ${op('acc', 'q')};
  }
  workgroupBarrier(); // red is reused by the next reduction
  return ${finish};`;
  return `
var<workgroup> red: array<f32, ${size}>;
fn wgSum(v: f32, lid: u32) -> f32 {${body('vec4<f32>()', (a, q) => `${a} + ${q}`, '(acc.x + acc.y) + (acc.z + acc.w)')}
}
fn wgMax(v: f32, lid: u32) -> f32 {${body('vec4<f32>(-3.0e38)', (a, q) => `max(${a}, ${q})`, 'max(max(acc.x, acc.y), max(acc.z, acc.w))')}
}`;
}

const sources = new Map<string, string>();
/** WGSL generated once per variant key: kernels called every layer need not rebuild their source. */
export function cachedSource(key: string, build: () => string): string {
  let code = sources.get(key);
  if (code === undefined) sources.set(key, (code = build()));
  return code;
}

/** Throws unless `dtype` is one of `allowed`, naming the kernel and operand. */
export function expectDType(what: string, dtype: DType, allowed: readonly DType[]): void {
  if (!allowed.includes(dtype)) throw new Error(`${what} must be ${allowed.join(' or ')}, got ${dtype}`);
}

/** Product of all dimensions but the last: the row count of a tensor viewed as [rows, last]. */
export function leadingRows(shape: readonly number[]): number {
  let n = 1;
  for (let i = 0; i < shape.length - 1; i++) n *= shape[i]!;
  return n;
}
