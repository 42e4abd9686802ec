// Matmul for a few rows (M ≤ SKINNY_MAX_M): the shapes of ROME's loss rows,
// generation and previews against the 50257-row unembedding. A tiled kernel
// would waste most of its 64-row tile; here each invocation owns one output
// column for all M rows.
//   transB (B [N, K], the unembedding): one pass over K per column.
//   B [K, N] with a long K (∂/∂h = dz · W_vocab): split K across workgroups
//   into partial sums [S, M, N], then add the S partials (no float atomics).
import type { GpuContext } from '../gpu/context.ts';
import type { GpuTensor } from '../gpu/tensor.ts';
import { cachedSource, elementReader, storageArray, type FloatDType } from './wgsl.ts';

export const SKINNY_MAX_M = 8;
const WG = 64;
const KT = 256; // A's K-tile in workgroup memory: 8 × 256 floats = 8 KiB
const SPLIT_K = 256; // K per workgroup in the split-K kernel

function transBWgsl(bType: FloatDType, biasType: FloatDType | null): string {
  return /* wgsl */ `
struct Params { M: u32, N: u32, K: u32 }
@group(0) @binding(0) var<storage, read> a: array<f32>;
@group(0) @binding(1) var<storage, read> b: ${storageArray(bType)};
@group(0) @binding(2) var<storage, read_write> c: array<f32>;
@group(0) @binding(3) var<uniform> p: Params;
${biasType ? `@group(0) @binding(4) var<storage, read> bias: ${storageArray(biasType)};\n${elementReader('readBias', 'bias', biasType)}` : ''}
${elementReader('readB', 'b', bType)}
var<workgroup> As: array<f32, ${SKINNY_MAX_M * KT}>;

@compute @workgroup_size(${WG})
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let n = (wg.x + wg.y * 65535u) * ${WG}u + lid.x;
  var acc: array<f32, ${SKINNY_MAX_M}>;
  for (var k0 = 0u; k0 < p.K; k0 += ${KT}u) {
    let kn = min(${KT}u, p.K - k0);
    for (var i = lid.x; i < p.M * ${KT}u; i += ${WG}u) {
      let m = i / ${KT}u; let k = i % ${KT}u;
      As[i] = select(0.0, a[m * p.K + k0 + min(k, kn - 1u)], k < kn);
    }
    workgroupBarrier();
    if (n < p.N) {
      let row = n * p.K + k0;
      for (var k = 0u; k < kn; k++) {
        let bv = readB(row + k);
        for (var m = 0u; m < p.M; m++) { acc[m] += As[m * ${KT}u + k] * bv; }
      }
    }
    workgroupBarrier();
  }
  if (n >= p.N) { return; }
  for (var m = 0u; m < p.M; m++) { c[m * p.N + n] = acc[m]${biasType ? ' + readBias(n)' : ''}; }
}`;
}

function splitKWgsl(bType: FloatDType): string {
  return /* wgsl */ `
struct Params { M: u32, N: u32, K: u32, S: u32 }
@group(0) @binding(0) var<storage, read> a: array<f32>;
@group(0) @binding(1) var<storage, read> b: ${storageArray(bType)};
@group(0) @binding(2) var<storage, read_write> partial: array<f32>; // [S, M, N]
@group(0) @binding(3) var<uniform> p: Params;
${elementReader('readB', 'b', bType)}

@compute @workgroup_size(${WG})
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let n = wg.x * ${WG}u + lid.x;
  let s = wg.y;
  if (n >= p.N || s >= p.S) { return; }
  let k0 = s * ${SPLIT_K}u;
  let k1 = min(p.K, k0 + ${SPLIT_K}u);
  var acc: array<f32, ${SKINNY_MAX_M}>;
  for (var k = k0; k < k1; k++) {
    let bv = readB(k * p.N + n);
    for (var m = 0u; m < p.M; m++) { acc[m] += a[m * p.K + k] * bv; }
  }
  for (var m = 0u; m < p.M; m++) { partial[(s * p.M + m) * p.N + n] = acc[m]; }
}`;
}

function reduceWgsl(biasType: FloatDType | null): string {
  return /* wgsl */ `
struct Params { M: u32, N: u32, K: u32, S: u32 }
@group(0) @binding(0) var<storage, read> partial: array<f32>;
@group(0) @binding(1) var<storage, read_write> c: array<f32>;
@group(0) @binding(2) var<uniform> p: Params;
${biasType ? `@group(0) @binding(3) var<storage, read> bias: ${storageArray(biasType)};\n${elementReader('readBias', 'bias', biasType)}` : ''}

@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x;
  if (i >= p.M * p.N) { return; }
  var acc = 0.0;
  for (var s = 0u; s < p.S; s++) { acc += partial[s * p.M * p.N + i]; }
  c[i] = acc${biasType ? ' + readBias(i % p.N)' : ''};
}`;
}

/** C [M, N] = A [M, K] · op(B) (+ bias) for M ≤ SKINNY_MAX_M. Shapes are checked by matmul(). */
export function matmulSkinny(ctx: GpuContext, a: GpuTensor, b: GpuTensor, out: GpuTensor, dims: { M: number; N: number; K: number; transB: boolean }, bias?: GpuTensor): void {
  const { M, N, K, transB } = dims;
  const bType = b.dtype as FloatDType;
  const biasType = bias ? (bias.dtype as FloatDType) : null;
  if (transB) {
    const key = `skinnyT:${bType}:${biasType}`;
    const groups = Math.ceil(N / WG);
    const params = ctx.uniform([M, N, K], ['u32', 'u32', 'u32']);
    const pipeline = ctx.pipeline(cachedSource(key, () => transBWgsl(bType, biasType)), key);
    ctx.dispatch(pipeline, bias ? [a, b, out, params, bias] : [a, b, out, params], [Math.min(groups, 65535), Math.ceil(groups / 65535)]);
    return;
  }
  const S = Math.ceil(K / SPLIT_K);
  if (S > 65535) throw new Error(`matmulSkinny: K = ${K} is too long`);
  const partial = ctx.empty([S, M, N], 'f32', 'skinny.partial');
  const params = ctx.uniform([M, N, K, S], ['u32', 'u32', 'u32', 'u32']);
  const kSplit = `skinnyK:${bType}`;
  ctx.dispatch(ctx.pipeline(cachedSource(kSplit, () => splitKWgsl(bType)), kSplit), [a, b, partial, params], [Math.ceil(N / WG), S]);
  const kRed = `skinnyReduce:${biasType}`;
  ctx.dispatch(ctx.pipeline(cachedSource(kRed, () => reduceWgsl(biasType)), kRed), bias ? [partial, out, params, bias] : [partial, out, params], [Math.ceil((M * N) / WG)]);
  ctx.release(partial);
}
