// Row-wise updates by index: x[rows[i]] += v (ROME's δ added to the MLP
// output at the subject's last token of each prompt). Backward: the gradient
// of v is the sum of the upstream gradient's rows (gatherRows, then a sum).
import type { GpuContext } from '../gpu/context.ts';
import type { GpuTensor } from '../gpu/tensor.ts';
import { shapeText } from '../gpu/tensor.ts';

const WG = 64;

const ADD_TO_ROWS_WGSL = /* wgsl */ `
struct Params { nRows: u32, d: u32, totalRows: u32 }
@group(0) @binding(0) var<storage, read_write> x: array<f32>;
@group(0) @binding(1) var<storage, read> rows: array<u32>;
@group(0) @binding(2) var<storage, read> v: array<f32>;
@group(0) @binding(3) var<uniform> p: Params;

// One workgroup per listed row: rows must be distinct (each row written once).
@compute @workgroup_size(${WG})
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  if (wg.x >= p.nRows) { return; }
  let r = rows[wg.x];
  if (r >= p.totalRows) { return; }
  for (var j = lid.x; j < p.d; j += ${WG}u) {
    x[r * p.d + j] = x[r * p.d + j] + v[j];
  }
}`;

/** x[rows[i], :] += v for each listed row (distinct rows; out-of-range rows are ignored). x: f32 [R, d]; rows: u32 [n]; v: f32 [d]. */
export function addToRows(ctx: GpuContext, x: GpuTensor, rows: GpuTensor, v: GpuTensor): void {
  const d = x.shape[x.shape.length - 1]!;
  if (x.dtype !== 'f32' || v.dtype !== 'f32' || v.size !== d) throw new Error(`addToRows: x ${shapeText(x.shape)} and v ${shapeText(v.shape)} must be f32 with v of width ${d}`);
  if (rows.dtype !== 'u32') throw new Error('addToRows: rows must be u32');
  if (rows.size === 0) return;
  if (rows.size > 65535) throw new Error('addToRows: at most 65535 rows per call');
  const params = ctx.uniform([rows.size, d, x.size / d], ['u32', 'u32', 'u32']);
  ctx.dispatch(ctx.pipeline(ADD_TO_ROWS_WGSL, 'addToRows'), [x, rows, v, params], [rows.size]);
}

const SCATTER_ADD_ROWS_WGSL = /* wgsl */ `
struct Params { nRows: u32, d: u32, totalRows: u32 }
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
    out[r * p.d + j] = out[r * p.d + j] + src[wg.x * p.d + j];
  }
}`;

/** out[rows[i], :] += src[i, :] (distinct rows): the backward of gathering rows. */
export function scatterAddRows(ctx: GpuContext, out: GpuTensor, rows: GpuTensor, src: GpuTensor): void {
  const d = out.shape[out.shape.length - 1]!;
  if (out.dtype !== 'f32' || src.dtype !== 'f32' || src.size !== rows.size * d) {
    throw new Error(`scatterAddRows: src ${shapeText(src.shape)} must be f32 [${rows.size}, ${d}]`);
  }
  if (rows.dtype !== 'u32') throw new Error('scatterAddRows: rows must be u32');
  if (rows.size === 0) return;
  if (rows.size > 65535) throw new Error('scatterAddRows: at most 65535 rows per call');
  const params = ctx.uniform([rows.size, d, out.size / d], ['u32', 'u32', 'u32']);
  ctx.dispatch(ctx.pipeline(SCATTER_ADD_ROWS_WGSL, 'scatterAddRows'), [out, rows, src, params], [rows.size]);
}
