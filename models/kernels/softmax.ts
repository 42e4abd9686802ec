// Row-wise softmax over the last dim, stable (the row max is subtracted
// before exp). One workgroup per row; each invocation strides over the row,
// so any length works, 50257-wide logits included. Inputs are assumed finite
// (mask with a large negative number such as -1e30, not -inf).
import type { GpuContext } from '../gpu/context.ts';
import { dispatchGrid } from '../gpu/context.ts';
import type { GpuTensor } from '../gpu/tensor.ts';
import { shapeText } from '../gpu/tensor.ts';
import { expectDType, leadingRows, workgroupReduce } from './wgsl.ts';

const WG = 64; // small workgroups: fewer lane groups to switch at each barrier on CPU adapters

export const SOFTMAX_WGSL = /* wgsl */ `
struct Params { rows: u32, n: u32, gridX: u32 }
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@group(0) @binding(2) var<uniform> p: Params;
${workgroupReduce(WG)}

@compute @workgroup_size(${WG})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let row = wid.x + wid.y * p.gridX;
  if (row >= p.rows) { return; }
  let base = row * p.n;
  var m = -3.0e38;
  for (var i = lid; i < p.n; i += ${WG}u) { m = max(m, x[base + i]); }
  let rowMax = wgMax(m, lid);
  var s = 0.0;
  for (var i = lid; i < p.n; i += ${WG}u) { s += exp(x[base + i] - rowMax); }
  let inv = 1.0 / wgSum(s, lid);
  for (var i = lid; i < p.n; i += ${WG}u) { out[base + i] = exp(x[base + i] - rowMax) * inv; }
}`;

/** Softmax of each row of x (last dim); out (if given) must be another f32 tensor of the same size. */
export function softmax(ctx: GpuContext, x: GpuTensor, out?: GpuTensor): GpuTensor {
  const what = `softmax(x ${shapeText(x.shape)})`;
  expectDType(`${what}: x`, x.dtype, ['f32']);
  if (x.shape.length < 1) throw new Error(`${what}: x needs at least one dimension`);
  const n = x.shape[x.shape.length - 1]!;
  const rows = leadingRows(x.shape);
  const o = out ?? ctx.empty(x.shape, 'f32', 'softmax.out');
  if (o.dtype !== 'f32' || o.size !== x.size) throw new Error(`${what}: out ${o.dtype} ${shapeText(o.shape)} does not match`);
  if (o.buffer === x.buffer) throw new Error(`${what}: out must not alias x`);
  if (n === 0) return o;
  const [gx, gy] = dispatchGrid(rows, ctx.limits.maxComputeWorkgroupsPerDimension);
  const params = ctx.uniform([rows, n, gx], ['u32', 'u32', 'u32']);
  ctx.dispatch(ctx.pipeline(SOFTMAX_WGSL, 'softmax'), [x, o, params], [gx, gy]);
  return o;
}
