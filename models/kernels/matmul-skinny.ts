// Matmul for a few rows (M ≤ SKINNY_MAX_M): the shapes of ROME's loss rows,
// generation and previews against the 50257-row unembedding. A tiled kernel
// would waste most of its 64-row tile. Here the invocations of a workgroup
// own consecutive output columns, and the row count is baked into the shader
// (MR ∈ {1, 2, 4, 8, 16}: unrolled scalar accumulators), because CPU adapters
// run invocations as SIMD lanes: loads must be contiguous across lanes and
// private arrays must not be indexed dynamically.
//   transB (B [N, K], the unembedding): a B tile is staged transposed in
//   workgroup memory so lane n reads its column contiguously.
//   B [K, N] with a long K (∂/∂h = dz · W_vocab): split K across workgroups
//   into partial sums [S, M, N], then add the S partials (no float atomics).
import type { GpuContext } from '../gpu/context.ts';
import type { GpuTensor } from '../gpu/tensor.ts';
import { cachedSource, elementReader, storageArray, type FloatDType } from './wgsl.ts';

export const SKINNY_MAX_M = 16;
const WG = 64;
const KT = 32; // K-tile of the staged B (64 × 32 floats = 8 KiB) and A (≤ 16 × 32)
const SPLIT_K = 256; // K per workgroup in the split-K kernel
const COL_BLOCKS = 8; // column blocks per workgroup in the transB kernel

function rowsFor(M: number): number {
  return M <= 1 ? 1 : M <= 2 ? 2 : M <= 4 ? 4 : M <= 8 ? 8 : 16;
}

const each = (MR: number, f: (m: number) => string, sep = '\n    ') => Array.from({ length: MR }, (_, m) => f(m)).join(sep);

function transBWgsl(MR: number, bType: FloatDType, biasType: FloatDType | null): string {
  return /* wgsl */ `
struct Params { M: u32, N: u32, K: u32 }
@group(0) @binding(0) var<storage, read> a: array<f32>;
@group(0) @binding(1) var<storage, read> b: ${storageArray(bType)};
@group(0) @binding(2) var<storage, read_write> c: array<f32>;
@group(0) @binding(3) var<uniform> p: Params;
${biasType ? `@group(0) @binding(4) var<storage, read> bias: ${storageArray(biasType)};\n${elementReader('readBias', 'bias', biasType)}` : ''}
${elementReader('readB', 'b', bType)}
var<workgroup> As: array<f32, ${MR * KT}>;
var<workgroup> Bs: array<f32, ${KT * WG}>; // Bs[k * WG + column]

@compute @workgroup_size(${WG})
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  // Each workgroup walks ${COL_BLOCKS} blocks of ${WG} columns: fewer, longer workgroups
  // (launching one costs more than its arithmetic on CPU adapters).
  for (var blk = 0u; blk < ${COL_BLOCKS}u; blk++) {
  let n0 = ((wg.x + wg.y * 65535u) * ${COL_BLOCKS}u + blk) * ${WG}u;
  if (n0 >= p.N) { break; }
  let n = n0 + lid.x;
  ${each(MR, (m) => `var acc${m} = 0.0;`, ' ')}
  for (var k0 = 0u; k0 < p.K; k0 += ${KT}u) {
    // Stage A's rows and B's ${WG} rows for this K-tile (zeros past the edges).
    for (var i = lid.x; i < ${MR * KT}u; i += ${WG}u) {
      let m = i / ${KT}u; let k = k0 + i % ${KT}u;
      As[i] = select(0.0, a[min(m, p.M - 1u) * p.K + min(k, p.K - 1u)], m < p.M && k < p.K);
    }
    for (var i = lid.x; i < ${KT * WG}u; i += ${WG}u) {
      let r = i / ${KT}u; let k = i % ${KT}u;
      let row = n0 + r; let kk = k0 + k;
      Bs[k * ${WG}u + r] = select(0.0, readB(min(row, p.N - 1u) * p.K + min(kk, p.K - 1u)), row < p.N && kk < p.K);
    }
    workgroupBarrier();
    for (var k = 0u; k < ${KT}u; k++) {
      let bv = Bs[k * ${WG}u + lid.x];
      ${each(MR, (m) => `acc${m} += As[${m * KT}u + k] * bv;`)}
    }
    workgroupBarrier();
  }
  if (n < p.N) {
    let bn = ${biasType ? 'readBias(n)' : '0.0'};
    ${each(MR, (m) => `if (${m}u < p.M) { c[${m}u * p.N + n] = acc${m} + bn; }`)}
  }
  }
}`;
}

// K divisible by 4: every lane reads its row of B four values at a time
// (vec4 loads, f16 unpacked from two u32) and dots it with A's rows held in
// workgroup memory as vec4s. No staging of B, few loads per multiply-add.
function transBVec4Wgsl(MR: number, bType: FloatDType, biasType: FloatDType | null): string {
  const loadB = bType === 'f16'
    ? 'fn readB4(i4: u32) -> vec4<f32> { return vec4<f32>(unpack2x16float(b[2u * i4]), unpack2x16float(b[2u * i4 + 1u])); }'
    : 'fn readB4(i4: u32) -> vec4<f32> { return b[i4]; }';
  return /* wgsl */ `
struct Params { M: u32, N: u32, K: u32 }
@group(0) @binding(0) var<storage, read> a: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read> b: ${bType === 'f16' ? 'array<u32>' : 'array<vec4<f32>>'};
@group(0) @binding(2) var<storage, read_write> c: array<f32>;
@group(0) @binding(3) var<uniform> p: Params;
${biasType ? `@group(0) @binding(4) var<storage, read> bias: ${storageArray(biasType)};\n${elementReader('readBias', 'bias', biasType)}` : ''}
${loadB}
var<workgroup> As: array<vec4<f32>, ${MR * KT}>;

@compute @workgroup_size(${WG})
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let K4 = p.K / 4u;
  for (var blk = 0u; blk < ${COL_BLOCKS}u; blk++) {
  let n0 = ((wg.x + wg.y * 65535u) * ${COL_BLOCKS}u + blk) * ${WG}u;
  if (n0 >= p.N) { break; }
  let n = n0 + lid.x;
  let nc = min(n, p.N - 1u);
  ${each(MR, (m) => `var acc${m} = vec4<f32>();`, ' ')}
  for (var k0 = 0u; k0 < K4; k0 += ${KT}u) {
    for (var i = lid.x; i < ${MR * KT}u; i += ${WG}u) {
      let m = i / ${KT}u; let k = k0 + i % ${KT}u;
      As[i] = select(vec4<f32>(), a[min(m, p.M - 1u) * K4 + min(k, K4 - 1u)], m < p.M && k < K4);
    }
    workgroupBarrier();
    let kn = min(${KT}u, K4 - k0);
    for (var k = 0u; k < kn; k++) {
      let bv = readB4(nc * K4 + k0 + k);
      ${each(MR, (m) => `acc${m} += As[${m * KT}u + k] * bv;`)}
    }
    workgroupBarrier();
  }
  if (n < p.N) {
    let bn = ${biasType ? 'readBias(n)' : '0.0'};
    ${each(MR, (m) => `if (${m}u < p.M) { c[${m}u * p.N + n] = dot(acc${m}, vec4<f32>(1.0)) + bn; }`)}
  }
  }
}`;
}

function splitKWgsl(MR: number, bType: FloatDType): string {
  return /* wgsl */ `
struct Params { M: u32, N: u32, K: u32, S: u32 }
@group(0) @binding(0) var<storage, read> a: array<f32>;
@group(0) @binding(1) var<storage, read> b: ${storageArray(bType)};
@group(0) @binding(2) var<storage, read_write> partial: array<f32>; // [S, M, N]
@group(0) @binding(3) var<uniform> p: Params;
${elementReader('readB', 'b', bType)}
fn aAt(m: u32, k: u32) -> f32 { return select(0.0, a[min(m, p.M - 1u) * p.K + k], m < p.M); }

@compute @workgroup_size(${WG})
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let n = wg.x * ${WG}u + lid.x;
  let s = wg.y;
  if (s >= p.S) { return; }
  let nc = min(n, p.N - 1u);
  let k0 = s * ${SPLIT_K}u;
  let k1 = min(p.K, k0 + ${SPLIT_K}u);
  ${each(MR, (m) => `var acc${m} = 0.0;`, ' ')}
  for (var k = k0; k < k1; k++) {
    let bv = readB(k * p.N + nc); // contiguous across lanes
    ${each(MR, (m) => `acc${m} += aAt(${m}u, k) * bv;`)}
  }
  if (n >= p.N) { return; }
  ${each(MR, (m) => `if (${m}u < p.M) { partial[(s * p.M + ${m}u) * p.N + n] = acc${m}; }`)}
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
  const MR = rowsFor(M);
  const bType = b.dtype as FloatDType;
  const biasType = bias ? (bias.dtype as FloatDType) : null;
  if (transB) {
    const vec4 = K % 4 === 0;
    const key = `skinnyT:${vec4 ? 'v4' : 's'}:${MR}:${bType}:${biasType}`;
    const groups = Math.ceil(N / (WG * COL_BLOCKS));
    const params = ctx.uniform([M, N, K], ['u32', 'u32', 'u32']);
    const build = vec4 ? () => transBVec4Wgsl(MR, bType, biasType) : () => transBWgsl(MR, bType, biasType);
    const pipeline = ctx.pipeline(cachedSource(key, build), key);
    ctx.dispatch(pipeline, bias ? [a, b, out, params, bias] : [a, b, out, params], [Math.min(groups, 65535), Math.ceil(groups / 65535)]);
    return;
  }
  const S = Math.ceil(K / SPLIT_K);
  if (S > 65535) throw new Error(`matmulSkinny: K = ${K} is too long`);
  const partial = ctx.empty([S, M, N], 'f32', 'skinny.partial');
  const params = ctx.uniform([M, N, K, S], ['u32', 'u32', 'u32', 'u32']);
  const kSplit = `skinnyK:${MR}:${bType}`;
  ctx.dispatch(ctx.pipeline(cachedSource(kSplit, () => splitKWgsl(MR, bType)), kSplit), [a, b, partial, params], [Math.ceil(N / WG), S]);
  const kRed = `skinnyReduce:${biasType}`;
  ctx.dispatch(ctx.pipeline(cachedSource(kRed, () => reduceWgsl(biasType)), kRed), bias ? [partial, out, params, bias] : [partial, out, params], [Math.ceil((M * N) / WG)]);
  ctx.release(partial);
}
