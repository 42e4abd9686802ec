// LayerNorm over the last dim: out = (x - mean) / sqrt(var + eps) · g + b,
// biased variance (GPT-2's ln_1, ln_2, ln_f; eps 1e-5). One workgroup per
// row; the mean and the variance are two workgroup reductions, the variance
// taken around the mean (not E[x²] - mean², which cancels badly in f32).
// layerNormWithStats also writes each row's mean and rstd = 1/sqrt(var + eps)
// for the backward pass.
import type { GpuContext } from '../gpu/context.ts';
import { dispatchGrid } from '../gpu/context.ts';
import type { GpuTensor } from '../gpu/tensor.ts';
import { shapeText } from '../gpu/tensor.ts';
import { cachedSource, elementReader, expectDType, leadingRows, storageArray, workgroupReduce, type FloatDType } from './wgsl.ts';

const WG = 64; // small workgroups: fewer lane groups to switch at each barrier on CPU adapters
export const GPT2_LAYERNORM_EPS = 1e-5;

export interface LayerNormOptions {
  /** Default 1e-5 (GPT-2). */
  eps?: number;
  /** Write into this f32 tensor (same size as x) instead of allocating. */
  out?: GpuTensor;
}

export interface LayerNormResult {
  out: GpuTensor;
  /** [rows] mean of each row. */
  mean: GpuTensor;
  /** [rows] 1/sqrt(var + eps) of each row. */
  rstd: GpuTensor;
}

function layerNormWgsl(gType: FloatDType, bType: FloatDType, stats: boolean): string {
  return /* wgsl */ `
struct Params { rows: u32, d: u32, eps: f32, gridX: u32 }
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> g: ${storageArray(gType)};
@group(0) @binding(2) var<storage, read> b: ${storageArray(bType)};
@group(0) @binding(3) var<storage, read_write> out: array<f32>;
@group(0) @binding(4) var<uniform> p: Params;
${stats ? `@group(0) @binding(5) var<storage, read_write> meanOut: array<f32>;
@group(0) @binding(6) var<storage, read_write> rstdOut: array<f32>;` : ''}
${elementReader('readG', 'g', gType)}
${elementReader('readB', 'b', bType)}
${workgroupReduce(WG)}

@compute @workgroup_size(${WG})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let row = wid.x + wid.y * p.gridX;
  if (row >= p.rows) { return; }
  let base = row * p.d;
  let n = f32(p.d);
  var s = 0.0;
  for (var i = lid; i < p.d; i += ${WG}u) { s += x[base + i]; }
  let mean = wgSum(s, lid) / n;
  var q = 0.0;
  for (var i = lid; i < p.d; i += ${WG}u) { let c = x[base + i] - mean; q += c * c; }
  let rstd = inverseSqrt(wgSum(q, lid) / n + p.eps);
  for (var i = lid; i < p.d; i += ${WG}u) {
    out[base + i] = (x[base + i] - mean) * rstd * readG(i) + readB(i);
  }
  ${stats ? 'if (lid == 0u) { meanOut[row] = mean; rstdOut[row] = rstd; }' : ''}
}`;
}

function run(ctx: GpuContext, x: GpuTensor, g: GpuTensor, b: GpuTensor, opts: LayerNormOptions, stats: boolean) {
  const what = `layerNorm(x ${shapeText(x.shape)}, g ${shapeText(g.shape)}, b ${shapeText(b.shape)})`;
  expectDType(`${what}: x`, x.dtype, ['f32']);
  expectDType(`${what}: g`, g.dtype, ['f32', 'f16']);
  expectDType(`${what}: b`, b.dtype, ['f32', 'f16']);
  if (x.shape.length < 1) throw new Error(`${what}: x needs at least one dimension`);
  const d = x.shape[x.shape.length - 1]!;
  const rows = leadingRows(x.shape);
  if (d === 0) throw new Error(`${what}: cannot normalise rows of length 0`);
  if (g.size !== d || b.size !== d) throw new Error(`${what}: g and b must have ${d} elements`);
  const eps = opts.eps ?? GPT2_LAYERNORM_EPS;
  if (!(eps >= 0)) throw new Error(`${what}: eps must be a non-negative number, got ${eps}`);
  const out = opts.out ?? ctx.empty(x.shape, 'f32', 'layerNorm.out');
  if (out.dtype !== 'f32' || out.size !== x.size) throw new Error(`${what}: out is ${out.dtype} ${shapeText(out.shape)}, want f32 of ${x.size}`);
  if (out.buffer === x.buffer) throw new Error(`${what}: out must not alias x`);
  const mean = stats ? ctx.empty([rows], 'f32', 'layerNorm.mean') : null;
  const rstd = stats ? ctx.empty([rows], 'f32', 'layerNorm.rstd') : null;
  const [gx, gy] = dispatchGrid(rows, ctx.limits.maxComputeWorkgroupsPerDimension);
  const params = ctx.uniform([rows, d, eps, gx], ['u32', 'u32', 'f32', 'u32']);
  const gType = g.dtype as FloatDType;
  const bType = b.dtype as FloatDType;
  const key = `layerNorm:${gType}:${bType}:${stats}`;
  const pipeline = ctx.pipeline(cachedSource(key, () => layerNormWgsl(gType, bType, stats)), key);
  ctx.dispatch(pipeline, mean && rstd ? [x, g, b, out, params, mean, rstd] : [x, g, b, out, params], [gx, gy]);
  return { out, mean, rstd };
}

/** LayerNorm of each row of x (last dim d); g, b: [d] f32 or f16. Returns f32 like x. */
export function layerNorm(ctx: GpuContext, x: GpuTensor, g: GpuTensor, b: GpuTensor, opts: LayerNormOptions = {}): GpuTensor {
  return run(ctx, x, g, b, opts, false).out;
}

/** layerNorm that also returns each row's mean and rstd (for the backward pass). */
export function layerNormWithStats(ctx: GpuContext, x: GpuTensor, g: GpuTensor, b: GpuTensor, opts: LayerNormOptions = {}): LayerNormResult {
  const r = run(ctx, x, g, b, opts, true);
  return { out: r.out, mean: r.mean!, rstd: r.rstd! };
}

// ---- Backward ----
// Backward of LayerNorm to its input (weights fixed):
//   x̂ = (x − μ)·rstd,  dx̂ = dy ⊙ g,
//   dx = rstd · (dx̂ − mean(dx̂) − x̂ · mean(dx̂ ⊙ x̂))
const LN_BACKWARD_WG = 64;

function layerNormBackwardWgsl(gType: FloatDType): string {
  return /* wgsl */ `
struct Params { rows: u32, d: u32, gridX: u32 }
@group(0) @binding(0) var<storage, read> dy: array<f32>;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> g: ${storageArray(gType)};
@group(0) @binding(3) var<storage, read> mean: array<f32>;
@group(0) @binding(4) var<storage, read> rstd: array<f32>;
@group(0) @binding(5) var<storage, read_write> dx: array<f32>;
@group(0) @binding(6) var<uniform> p: Params;
${elementReader('readG', 'g', gType)}
${workgroupReduce(LN_BACKWARD_WG)}

@compute @workgroup_size(${LN_BACKWARD_WG})
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) l: vec3<u32>) {
  let lid = l.x;
  let row = wg.x + wg.y * p.gridX;
  let valid = row < p.rows; // uniform per workgroup: barriers stay in uniform control flow
  let base = select(0u, row * p.d, valid);
  let mu = select(0.0, mean[select(0u, row, valid)], valid);
  let r = select(0.0, rstd[select(0u, row, valid)], valid);
  var s1 = 0.0;
  var s2 = 0.0;
  if (valid) {
    for (var j = lid; j < p.d; j += ${LN_BACKWARD_WG}u) {
      let xh = (x[base + j] - mu) * r;
      let dxh = dy[base + j] * readG(j);
      s1 += dxh;
      s2 += dxh * xh;
    }
  }
  let m1 = wgSum(s1, lid) / f32(p.d);
  let m2 = wgSum(s2, lid) / f32(p.d);
  if (!valid) { return; }
  for (var j = lid; j < p.d; j += ${LN_BACKWARD_WG}u) {
    let xh = (x[base + j] - mu) * r;
    let dxh = dy[base + j] * readG(j);
    dx[base + j] = r * (dxh - m1 - xh * m2);
  }
}`;
}

/** ∂loss/∂x of y = LayerNorm(x; g, b), given dy, x, g and the forward's per-row mean and rstd. */
export function layerNormBackward(ctx: GpuContext, dy: GpuTensor, x: GpuTensor, g: GpuTensor, mean: GpuTensor, rstd: GpuTensor): GpuTensor {
  const what = `layerNormBackward(dy ${shapeText(dy.shape)}, x ${shapeText(x.shape)})`;
  expectDType(`${what}: dy`, dy.dtype, ['f32']);
  expectDType(`${what}: x`, x.dtype, ['f32']);
  expectDType(`${what}: g`, g.dtype, ['f32', 'f16']);
  const d = x.shape[x.shape.length - 1]!;
  const rows = leadingRows(x.shape);
  if (dy.size !== x.size || g.size !== d || mean.size !== rows || rstd.size !== rows) throw new Error(`${what}: shapes do not match`);
  const dx = ctx.empty(x.shape, 'f32', 'layernorm.dx');
  const [gx, gy] = dispatchGrid(rows, ctx.limits.maxComputeWorkgroupsPerDimension);
  const params = ctx.uniform([rows, d, gx], ['u32', 'u32', 'u32']);
  const gType = g.dtype as FloatDType;
  ctx.dispatch(ctx.pipeline(cachedSource(`lnb:${gType}`, () => layerNormBackwardWgsl(gType)), `layerNormBackward:${gType}`), [dy, x, g, mean, rstd, dx, params], [gx, gy]);
  return dx;
}
