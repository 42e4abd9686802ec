// Elementwise add: out = a + b (the residual connection). Backward of a
// residual add is the identity on both inputs, so it needs no kernel.
import type { GpuContext } from '../gpu/context.ts';
import { dispatchGrid } from '../gpu/context.ts';
import type { GpuTensor } from '../gpu/tensor.ts';
import { shapeText } from '../gpu/tensor.ts';

const WG = 256;

export const ADD_WGSL = /* wgsl */ `
struct Params { n: u32, stride: u32 }
@group(0) @binding(0) var<storage, read> a: array<f32>;
@group(0) @binding(1) var<storage, read> b: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
@group(0) @binding(3) var<uniform> p: Params;

@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * p.stride;
  if (i >= p.n) { return; }
  out[i] = a[i] + b[i];
}`;

// WebGPU forbids binding one buffer as read and read_write in one dispatch,
// so the in-place residual (h += x) is its own pipeline.
export const ADD_INTO_WGSL = /* wgsl */ `
struct Params { n: u32, stride: u32 }
@group(0) @binding(0) var<storage, read_write> acc: array<f32>;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<uniform> p: Params;

@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * p.stride;
  if (i >= p.n) { return; }
  acc[i] = acc[i] + x[i];
}`;

/** acc += x in place (the residual stream). Returns acc. */
export function addInto(ctx: GpuContext, acc: GpuTensor, x: GpuTensor): GpuTensor {
  if (acc.size !== x.size) throw new Error(`addInto: shapes ${shapeText(acc.shape)} and ${shapeText(x.shape)} differ`);
  if (acc.buffer === x.buffer) throw new Error('addInto: x must not alias acc');
  const groups = Math.ceil(acc.size / WG);
  const [gx, gy] = dispatchGrid(groups, ctx.limits.maxComputeWorkgroupsPerDimension);
  const params = ctx.uniform([acc.size, gx * WG], ['u32', 'u32']);
  ctx.dispatch(ctx.pipeline(ADD_INTO_WGSL, 'addInto'), [acc, x, params], [gx, gy]);
  return acc;
}

/** out = a + b, shapes equal; `out` must not alias a or b (use addInto). */
export function add(ctx: GpuContext, a: GpuTensor, b: GpuTensor, out?: GpuTensor): GpuTensor {
  if (a.size !== b.size) throw new Error(`add: shapes ${shapeText(a.shape)} and ${shapeText(b.shape)} differ`);
  const o = out ?? ctx.empty(a.shape, 'f32', 'add.out');
  if (o.buffer === a.buffer || o.buffer === b.buffer) throw new Error('add: out must not alias an input (use addInto)');
  const groups = Math.ceil(a.size / WG);
  const [x, y] = dispatchGrid(groups, ctx.limits.maxComputeWorkgroupsPerDimension);
  const params = ctx.uniform([a.size, x * WG], ['u32', 'u32']);
  ctx.dispatch(ctx.pipeline(ADD_WGSL, 'add'), [a, b, o, params], [x, y]);
  return o;
}
