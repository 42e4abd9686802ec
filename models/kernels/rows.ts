// Row-wise updates by index: x[rows[i]] += v (ROME's δ added to the MLP
// output at the subject's last token of each prompt). Backward: the gradient
// of v is the sum of the upstream gradient's rows (gatherRows, then a sum).
import type { GpuContext } from '../gpu/context.ts';
import type { GpuTensor } from '../gpu/tensor.ts';
import { shapeText } from '../gpu/tensor.ts';

const WG = 64;

/** x[rows[i], :] += v for each listed row (distinct rows; out-of-range rows are ignored). x: f32 [R, d]; rows: u32 [n]; v: f32 [d]. */
export function addToRows(ctx: GpuContext, x: GpuTensor, rows: GpuTensor, v: GpuTensor): void {
  const d = x.shape[x.shape.length - 1]!;
  if (x.dtype !== 'f32' || v.dtype !== 'f32' || v.size !== d) throw new Error(`addToRows: x ${shapeText(x.shape)} and v ${shapeText(v.shape)} must be f32 with v of width ${d}`);
  scatter(ctx, x, rows, v, 0, 'addToRows');
}

const SCATTER_ADD_ROWS_WGSL = /* wgsl */ `
struct Params { nRows: u32, d: u32, totalRows: u32, srcStride: u32 }
@group(0) @binding(0) var<storage, read_write> out: array<f32>;
@group(0) @binding(1) var<storage, read> rows: array<u32>;
@group(0) @binding(2) var<storage, read> src: array<f32>;
@group(0) @binding(3) var<uniform> p: Params;

@compute @workgroup_size(${WG})
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  if (wg.x >= p.nRows) { return; }
  let r = rows[wg.x];
  if (r >= p.totalRows) { return; }
  for (var j = lid.x; j < p.d; j += ${WG}u) {
    out[r * p.d + j] = out[r * p.d + j] + src[wg.x * p.srcStride + j];
  }
}`;

/** out[rows[i], :] += src[i, :] (distinct rows): the backward of gathering rows. */
export function scatterAddRows(ctx: GpuContext, out: GpuTensor, rows: GpuTensor, src: GpuTensor): void {
  const d = out.shape[out.shape.length - 1]!;
  if (out.dtype !== 'f32' || src.dtype !== 'f32' || src.size !== rows.size * d) {
    throw new Error(`scatterAddRows: src ${shapeText(src.shape)} must be f32 [${rows.size}, ${d}]`);
  }
  scatter(ctx, out, rows, src, d, 'scatterAddRows');
}

/** out[rows[i]] += src[i·srcStride ..]: srcStride d adds one source row per listed row, 0 one vector to all. */
function scatter(ctx: GpuContext, out: GpuTensor, rows: GpuTensor, src: GpuTensor, srcStride: number, what: string): void {
  const d = out.shape[out.shape.length - 1]!;
  if (rows.dtype !== 'u32') throw new Error(`${what}: rows must be u32`);
  if (rows.size === 0) return;
  if (rows.size > 65535) throw new Error(`${what}: at most 65535 rows per call`);
  const params = ctx.uniform([rows.size, d, out.size / d, srcStride], ['u32', 'u32', 'u32', 'u32']);
  ctx.dispatch(ctx.pipeline(SCATTER_ADD_ROWS_WGSL, 'scatterAddRows'), [out, rows, src, params], [rows.size]);
}

const SUM_ROWS_WGSL = /* wgsl */ `
struct Params { nRows: u32, d: u32, totalRows: u32, outOffset: u32 }
@group(0) @binding(0) var<storage, read> src: array<f32>;
@group(0) @binding(1) var<storage, read> rows: array<u32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
@group(0) @binding(3) var<uniform> p: Params;

@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let j = gid.x;
  if (j >= p.d) { return; }
  var s = 0.0;
  for (var i = 0u; i < p.nRows; i++) {
    let r = rows[i];
    if (r < p.totalRows) { s += src[r * p.d + j]; }
  }
  out[p.outOffset + j] = s;
}`;

/**
 * out[outOffset + j] = Σ_i src[rows[i], j]: the backward of addToRows (∂/∂v of
 * x[rows] += v), written where the caller's one read-back of the step will find it.
 */
export function sumRowsInto(ctx: GpuContext, src: GpuTensor, rows: GpuTensor, out: GpuTensor, outOffset = 0): void {
  const d = src.shape[src.shape.length - 1]!;
  if (src.dtype !== 'f32' || out.dtype !== 'f32' || rows.dtype !== 'u32') throw new Error('sumRowsInto: f32 src and out, u32 rows');
  if (outOffset + d > out.size) throw new Error(`sumRowsInto: ${d} values at ${outOffset} overflow out ${shapeText(out.shape)}`);
  const params = ctx.uniform([rows.size, d, src.size / d, outOffset], ['u32', 'u32', 'u32', 'u32']);
  ctx.dispatch(ctx.pipeline(SUM_ROWS_WGSL, 'sumRowsInto'), [src, rows, out, params], [Math.ceil(d / WG)]);
}
