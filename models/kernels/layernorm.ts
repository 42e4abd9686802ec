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
