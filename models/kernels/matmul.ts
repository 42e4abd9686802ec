// Matrix multiply C = op(A)·op(B) (+ bias), the workhorse of every layer.
//   A: [M,K] f32, or [K,M] with transA (the key statistics' Σ kkᵀ = KᵀK)
//   B: [K,N] (GPT-2 Conv1D [in,out] layout), or [N,K] with transB (tied
//      unembedding, backward passes); f32 or f16 (packed two per u32)
//   bias: [N], f32 or f16;  C: [M,N] f32
// An optional leading batch dim on A and/or B (a rank-2 operand is shared
// across the batch) gives C [batch,M,N].
//
// Register-blocked tiling: a workgroup computes a tileM×tileN block of C,
// staging tileK-deep slices of A and B in workgroup memory; each invocation
// accumulates threadM×threadN outputs in vec4 registers, so every value read
// from workgroup memory feeds 4-8 multiply-adds. That ratio is what makes a
// CPU adapter (SwiftShader) and real GPUs alike fast.
import type { GpuContext } from '../gpu/context.ts';
import { dispatchGrid } from '../gpu/context.ts';
import type { GpuTensor } from '../gpu/tensor.ts';
import { shapeText } from '../gpu/tensor.ts';
import { matmulSkinny, SKINNY_MAX_M } from './matmul-skinny.ts';
import { cachedSource, elementReader, expectDType, storageArray, type FloatDType } from './wgsl.ts';

export interface MatmulConfig {
  /** Rows of C per workgroup. */
  tileM: number;
  /** Columns of C per workgroup. */
  tileN: number;
  /** Depth of the K slice staged in workgroup memory per step. */
  tileK: number;
  /** Rows of C per invocation (multiple of 4). */
  threadM: number;
  /** Columns of C per invocation (multiple of 4). */
  threadN: number;
}

/**
 * The fastest of MATMUL_CONFIGS on SwiftShader (512×768×768 on 2 shared cores:
 * ~2.2 GFLOP/s, vs ~0.8 with 4×4 outputs per invocation); fits any WebGPU device.
 */
export const DEFAULT_MATMUL_CONFIG: MatmulConfig = { tileM: 64, tileN: 64, tileK: 16, threadM: 8, threadN: 8 };

/** Candidates for benchmarks. All fit WebGPU's default limits (256 invocations, 16 KiB workgroup memory). */
export const MATMUL_CONFIGS: Readonly<Record<string, MatmulConfig>> = {
  '64x64x16/8x8': DEFAULT_MATMUL_CONFIG,
  '64x64x16/4x4': { tileM: 64, tileN: 64, tileK: 16, threadM: 4, threadN: 4 },
  '64x64x32/8x4': { tileM: 64, tileN: 64, tileK: 32, threadM: 8, threadN: 4 },
  '128x64x16/8x8': { tileM: 128, tileN: 64, tileK: 16, threadM: 8, threadN: 8 },
  '32x32x16/4x4': { tileM: 32, tileN: 32, tileK: 16, threadM: 4, threadN: 4 },
};

export interface MatmulOptions {
  /** A is stored [K,M] (per batch). */
  transA?: boolean;
  /** B is stored [N,K] (per batch). */
  transB?: boolean;
  /** Added to every row of C: [N], f32 or f16. */
  bias?: GpuTensor;
  /** Write into this f32 tensor (same size as C) instead of allocating. */
  out?: GpuTensor;
  config?: MatmulConfig;
}

export function validateMatmulConfig(c: MatmulConfig, limits: GPUSupportedLimits): void {
  const bad = (why: string) => new Error(`matmul config ${JSON.stringify(c)}: ${why}`);
  for (const [k, v] of Object.entries(c)) if (!Number.isInteger(v) || v <= 0) throw bad(`${k} must be a positive integer`);
  if (c.threadM % 4 || c.threadN % 4) throw bad('threadM and threadN must be multiples of 4');
  if (c.tileM % c.threadM || c.tileN % c.threadN) throw bad('tileM/tileN must be multiples of threadM/threadN');
  const invocations = (c.tileM / c.threadM) * (c.tileN / c.threadN);
  if (invocations > limits.maxComputeInvocationsPerWorkgroup) throw bad(`${invocations} invocations per workgroup exceed the device limit`);
  if (c.tileM / c.threadM > limits.maxComputeWorkgroupSizeY || c.tileN / c.threadN > limits.maxComputeWorkgroupSizeX) throw bad('workgroup too wide');
  const bytes = 4 * c.tileK * (c.tileM + c.tileN);
  if (bytes > limits.maxComputeWorkgroupStorageSize) throw bad(`${bytes} bytes of workgroup memory exceed the device limit`);
}

interface Variant {
  transA: boolean;
  transB: boolean;
  bType: FloatDType;
  biasType: FloatDType | null;
  c: MatmulConfig;
}

function matmulWgsl(v: Variant): string {
  const { tileM: BM, tileN: BN, tileK: BK, threadM: TM, threadN: TN } = v.c;
  const WX = BN / TN; // invocations along N
  const WY = BM / TM; // invocations along M
  const NT = WX * WY;
  const AV = BM / 4; // vec4s per row of the staged A slice (As[k] holds A[m0.., k])
  const BV = BN / 4;
  const rows = TM / 4; // vec4 groups of rows per invocation
  const cols = TN / 4;
  // Invocation (tx,ty) owns row groups ty, ty+WY, ... and column groups tx,
  // tx+WX, ...: neighbouring invocations read neighbouring vec4s.
  const decl: string[] = [];
  const inner: string[] = [];
  const store: string[] = [];
  for (let i = 0; i < TM; i++) for (let j = 0; j < cols; j++) decl.push(`var c${i}_${j} = vec4<f32>();`);
  for (let g = 0; g < rows; g++) inner.push(`let a${g} = As[k * ${AV}u + ${g * WY}u + ty];`);
  for (let j = 0; j < cols; j++) inner.push(`let b${j} = Bs[k * ${BV}u + ${j * WX}u + tx];`);
  for (let i = 0; i < TM; i++) {
    const comp = 'xyzw'[i % 4]!;
    for (let j = 0; j < cols; j++) inner.push(`c${i}_${j} = fma(vec4<f32>(a${i >> 2}.${comp}), b${j}, c${i}_${j});`);
  }
  for (let i = 0; i < TM; i++) {
    const row = `m0 + (${(i >> 2) * WY}u + ty) * 4u + ${i % 4}u`;
    for (let j = 0; j < cols; j++) store.push(`store4(offC, ${row}, n0 + (${j * WX}u + tx) * 4u, c${i}_${j});`);
  }
  const loadA = v.transA
    ? `let kk = l / ${BM}u; let mm = l % ${BM}u;
      let gm = m0 + mm; let gk = k0 + kk;
      var x = 0.0;
      if (gm < p.M && gk < p.K) { x = A[offA + gk * p.M + gm]; }`
    : `let kk = l % ${BK}u; let mm = l / ${BK}u;
      let gm = m0 + mm; let gk = k0 + kk;
      var x = 0.0;
      if (gm < p.M && gk < p.K) { x = A[offA + gm * p.K + gk]; }`;
  const loadB = v.transB
    ? `let kk = l % ${BK}u; let nn = l / ${BK}u;
      let gn = n0 + nn; let gk = k0 + kk;
      var x = 0.0;
      if (gn < p.N && gk < p.K) { x = readB(offB + gn * p.K + gk); }`
    : `let kk = l / ${BN}u; let nn = l % ${BN}u;
      let gn = n0 + nn; let gk = k0 + kk;
      var x = 0.0;
      if (gn < p.N && gk < p.K) { x = readB(offB + gk * p.N + gn); }`;
  return /* wgsl */ `
struct Params { M: u32, N: u32, K: u32, tilesN: u32, tilesM: u32, groups: u32, gridX: u32, strideA: u32, strideB: u32, strideC: u32 }
@group(0) @binding(0) var<storage, read> A: array<f32>;
@group(0) @binding(1) var<storage, read> B: ${storageArray(v.bType)};
@group(0) @binding(2) var<storage, read_write> C: array<f32>;
@group(0) @binding(3) var<uniform> p: Params;
${v.biasType ? `@group(0) @binding(4) var<storage, read> bias: ${storageArray(v.biasType)};` : ''}

var<workgroup> As: array<vec4<f32>, ${BK * AV}>;
var<workgroup> Bs: array<vec4<f32>, ${BK * BV}>;

${elementReader('readB', 'B', v.bType)}
${v.biasType ? elementReader('readBias', 'bias', v.biasType) : 'fn readBias(i: u32) -> f32 { return 0.0; }'}

fn store4(offC: u32, row: u32, col: u32, v: vec4<f32>) {
  if (row >= p.M) { return; }
  let base = offC + row * p.N;
  for (var q = 0u; q < 4u; q++) {
    if (col + q < p.N) { C[base + col + q] = v[q] + readBias(col + q); }
  }
}

@compute @workgroup_size(${WX}, ${WY})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid3: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  // Workgroups are numbered over (batch, tile row, tile column), folded into x·y.
  let g = wid.x + wid.y * p.gridX;
  if (g >= p.groups) { return; }
  let tn = g % p.tilesN;
  let rest = g / p.tilesN;
  let m0 = (rest % p.tilesM) * ${BM}u;
  let n0 = tn * ${BN}u;
  let batch = rest / p.tilesM;
  let offA = batch * p.strideA;
  let offB = batch * p.strideB;
  let offC = batch * p.strideC;
  let tx = lid3.x;
  let ty = lid3.y;
  ${decl.join('\n  ')}
  let kTiles = (p.K + ${BK - 1}u) / ${BK}u;
  for (var t = 0u; t < kTiles; t++) {
    let k0 = t * ${BK}u;
    for (var l = lid; l < ${BM * BK}u; l += ${NT}u) {
      ${loadA}
      As[kk * ${AV}u + mm / 4u][mm % 4u] = x;
    }
    for (var l = lid; l < ${BN * BK}u; l += ${NT}u) {
      ${loadB}
      Bs[kk * ${BV}u + nn / 4u][nn % 4u] = x;
    }
    workgroupBarrier();
    for (var k = 0u; k < ${BK}u; k++) {
      ${inner.join('\n      ')}
    }
    workgroupBarrier();
  }
  ${store.join('\n  ')}
}`;
}

function variantKey(v: Variant): string {
  const c = v.c;
  return `matmul:${v.transA ? 'T' : 'N'}${v.transB ? 'T' : 'N'}:${v.bType}:${v.biasType ?? 'nobias'}:${c.tileM}x${c.tileN}x${c.tileK}/${c.threadM}x${c.threadN}`;
}

/** C = op(A)·op(B) (+ bias). See the file header for layouts. */
export function matmul(ctx: GpuContext, a: GpuTensor, b: GpuTensor, opts: MatmulOptions = {}): GpuTensor {
  const transA = opts.transA ?? false;
  const transB = opts.transB ?? false;
  const config = opts.config ?? DEFAULT_MATMUL_CONFIG;
  const what = `matmul(A ${shapeText(a.shape)}${transA ? 'ᵀ' : ''}, B ${shapeText(b.shape)}${transB ? 'ᵀ' : ''})`;
  expectDType(`${what}: A`, a.dtype, ['f32']);
  expectDType(`${what}: B`, b.dtype, ['f32', 'f16']);
  if (a.shape.length < 2 || a.shape.length > 3) throw new Error(`${what}: A must be rank 2 or 3 (batch first)`);
  if (b.shape.length < 2 || b.shape.length > 3) throw new Error(`${what}: B must be rank 2 or 3 (batch first)`);
  const [ar, ac] = a.shape.slice(-2) as [number, number];
  const [br, bc] = b.shape.slice(-2) as [number, number];
  const [M, K] = transA ? [ac, ar] : [ar, ac];
  const [kb, N] = transB ? [bc, br] : [br, bc];
  if (K !== kb) throw new Error(`${what}: inner dimensions differ (${K} vs ${kb})`);
  const batchedA = a.shape.length === 3;
  const batchedB = b.shape.length === 3;
  if (batchedA && batchedB && a.shape[0] !== b.shape[0]) throw new Error(`${what}: batch sizes differ (${a.shape[0]} vs ${b.shape[0]})`);
  const batch = batchedA ? a.shape[0]! : batchedB ? b.shape[0]! : 1;
  const outShape = batchedA || batchedB ? [batch, M, N] : [M, N];

  let biasType: FloatDType | null = null;
  if (opts.bias) {
    expectDType(`${what}: bias`, opts.bias.dtype, ['f32', 'f16']);
    if (opts.bias.shape.length !== 1 || opts.bias.shape[0] !== N) {
      throw new Error(`${what}: bias is ${shapeText(opts.bias.shape)}, want [${N}]`);
    }
    biasType = opts.bias.dtype as FloatDType;
  }
  const out = opts.out ?? ctx.empty(outShape, 'f32', 'matmul.out');
  if (out.dtype !== 'f32' || out.size !== batch * M * N) {
    throw new Error(`${what}: out is ${out.dtype} ${shapeText(out.shape)}, want f32 ${shapeText(outShape)}`);
  }
  if (out.buffer === a.buffer || out.buffer === b.buffer || out.buffer === opts.bias?.buffer) throw new Error(`${what}: out must not alias an input`);
  validateMatmulConfig(config, ctx.limits);

  // A batch of untransposed A rows against a shared B is one taller matrix.
  let rowsM = M;
  let groupsBatch = batch;
  if (batchedA && !batchedB && !transA) {
    rowsM = batch * M;
    groupsBatch = 1;
  }
  // A few rows against a wide or long B: the skinny kernels (unless a tile config was asked for).
  if (!opts.config && !transA && batch === 1 && !batchedA && !batchedB && rowsM <= SKINNY_MAX_M && (N >= 256 || K >= 1024)) {
    matmulSkinny(ctx, a, b, out, { M: rowsM, N, K, transB }, opts.bias);
    return out;
  }
  const tilesM = Math.ceil(rowsM / config.tileM);
  const tilesN = Math.ceil(N / config.tileN);
  const groups = tilesM * tilesN * groupsBatch;
  const [x, y] = dispatchGrid(groups, ctx.limits.maxComputeWorkgroupsPerDimension);
  const params = ctx.uniform(
    [rowsM, N, K, tilesN, tilesM, groups, x, batchedA ? M * K : 0, batchedB ? K * N : 0, M * N],
    ['u32', 'u32', 'u32', 'u32', 'u32', 'u32', 'u32', 'u32', 'u32', 'u32'],
  );
  const variant: Variant = { transA, transB, bType: b.dtype as FloatDType, biasType, c: config };
  const key = variantKey(variant);
  const pipeline = ctx.pipeline(cachedSource(key, () => matmulWgsl(variant)), key);
  const bindings = opts.bias ? [a, b, out, params, opts.bias] : [a, b, out, params];
  ctx.dispatch(pipeline, bindings, [x, y]);
  return out;
}

// --- Backward of a linear layer y = x·W + b (Conv1D [in, out]) ---
// ∂L/∂x = dy·Wᵀ is matmul(dy, W, { transB }) (backward.ts). The weight
// gradients (FT-L∞ fine-tunes c_proj): ∂L/∂W = xᵀ·dy, a transA matmul, and
// ∂L/∂b = Σ_rows dy, a column sum (one invocation per column, rows in order,
// so the result does not depend on the device's scheduling).

const COLUMN_SUM_WGSL = /* wgsl */ `
struct Params { rows: u32, cols: u32 }
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@group(0) @binding(2) var<uniform> p: Params;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let c = gid.x;
  if (c >= p.cols) { return; }
  var s = 0.0;
  for (var r = 0u; r < p.rows; r++) { s = s + x[r * p.cols + c]; }
  out[c] = s;
}`;

/** out[c] = Σ_r x[r, c] for f32 x [rows, cols]. */
export function columnSum(ctx: GpuContext, x: GpuTensor): GpuTensor {
  expectDType('columnSum: x', x.dtype, ['f32']);
  const cols = x.shape[x.shape.length - 1]!;
  const rows = x.size / cols;
  const out = ctx.empty([cols], 'f32', 'columnSum.out');
  const params = ctx.uniform([rows, cols], ['u32', 'u32']);
  ctx.dispatch(ctx.pipeline(COLUMN_SUM_WGSL, 'columnSum'), [x, out, params], [Math.ceil(cols / 64)]);
  return out;
}

/** Weight gradients of y = x·W + b: dW = xᵀ·dy [in, out], db = Σ_rows dy [out]. x [R, in], dy [R, out], f32. */
export function linearWeightGrads(ctx: GpuContext, x: GpuTensor, dy: GpuTensor): { dW: GpuTensor; db: GpuTensor } {
  const rows = x.shape[0]!;
  if (x.shape.length !== 2 || dy.shape.length !== 2 || dy.shape[0] !== rows) {
    throw new Error(`linearWeightGrads: x ${shapeText(x.shape)} and dy ${shapeText(dy.shape)} must be [rows, in] and [rows, out]`);
  }
  return { dW: matmul(ctx, x, dy, { transA: true }), db: columnSum(ctx, dy) };
}
