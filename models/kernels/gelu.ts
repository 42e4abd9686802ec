// GPT-2's gelu_new: 0.5·x·(1 + tanh(sqrt(2/π)·(x + 0.044715·x³))).
// Computed as x·sigmoid(2u), which is the same function, because WGSL's
// tanh overflows to NaN for large |u| on some implementations (it is often
// lowered to (e^2u - 1)/(e^2u + 1), i.e. inf/inf). exp never sees an argument
// beyond ±80 (WGSL leaves overflow undefined): past that the sigmoid is 0 or
// 1 to f32 precision, and for huge negative x the result is exactly 0 rather
// than x·e^-80, which would not be small for |x| near f32's maximum.
import type { GpuContext } from '../gpu/context.ts';
import { dispatchGrid } from '../gpu/context.ts';
import type { GpuTensor } from '../gpu/tensor.ts';
import { shapeText } from '../gpu/tensor.ts';
import { expectDType } from './wgsl.ts';

const WG = 256;

export const GELU_WGSL = /* wgsl */ `
struct Params { n: u32, stride: u32 }
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@group(0) @binding(2) var<uniform> p: Params;

const SQRT_2_OVER_PI = 0.7978845608028654;

fn gelu(v: f32) -> f32 {
  let u = SQRT_2_OVER_PI * (v + 0.044715 * v * v * v);
  // 0.5·(1 + tanh(u)) = 1 / (1 + e^(-2u))
  let e = -2.0 * u;
  return select(v / (1.0 + exp(clamp(e, -80.0, 80.0))), 0.0, e > 80.0);
}

@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * p.stride;
  if (i >= p.n) { return; }
  out[i] = gelu(x[i]);
}`;

/** gelu_new applied elementwise; out (if given) must be another f32 tensor of the same size. */
export function gelu(ctx: GpuContext, x: GpuTensor, out?: GpuTensor): GpuTensor {
  expectDType(`gelu(x ${shapeText(x.shape)}): x`, x.dtype, ['f32']);
  const o = out ?? ctx.empty(x.shape, 'f32', 'gelu.out');
  if (o.dtype !== 'f32' || o.size !== x.size) throw new Error(`gelu: out ${o.dtype} ${shapeText(o.shape)} does not match x ${shapeText(x.shape)}`);
  if (o.buffer === x.buffer) throw new Error('gelu: out must not alias x');
  const groups = Math.ceil(x.size / WG);
  const [gx, gy] = dispatchGrid(groups, ctx.limits.maxComputeWorkgroupsPerDimension);
  const params = ctx.uniform([x.size, gx * WG], ['u32', 'u32']);
  ctx.dispatch(ctx.pipeline(GELU_WGSL, 'gelu'), [x, o, params], [gx, gy]);
  return o;
}

// ---- Backward ----
// Backward of gelu_new: with u = √(2/π)(x + 0.044715x³),
//   gelu'(x) = ½(1 + tanh u) + ½x(1 − tanh²u)·√(2/π)(1 + 3·0.044715x²)
const GELU_BACKWARD_WGSL = /* wgsl */ `
struct Params { n: u32, stride: u32 }
@group(0) @binding(0) var<storage, read> dy: array<f32>;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> dx: array<f32>;
@group(0) @binding(3) var<uniform> p: Params;

// tanh without overflow: |u| is clamped where tanh is ±1 in f32 anyway.
fn tanhStable(u: f32) -> f32 {
  let c = clamp(u, -15.0, 15.0);
  let e = exp(2.0 * c);
  return (e - 1.0) / (e + 1.0);
}

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * p.stride;
  if (i >= p.n) { return; }
  let v = x[i];
  let k = 0.7978845608028654;
  let t = tanhStable(k * (v + 0.044715 * v * v * v));
  let grad = 0.5 * (1.0 + t) + 0.5 * v * (1.0 - t * t) * k * (1.0 + 3.0 * 0.044715 * v * v);
  dx[i] = dy[i] * grad;
}`;

/** ∂loss/∂x of y = gelu_new(x), given dy and the forward's input x. */
export function geluBackward(ctx: GpuContext, dy: GpuTensor, x: GpuTensor): GpuTensor {
  expectDType(`geluBackward: dy`, dy.dtype, ['f32']);
  expectDType(`geluBackward: x`, x.dtype, ['f32']);
  if (dy.size !== x.size) throw new Error(`geluBackward: dy ${shapeText(dy.shape)} and x ${shapeText(x.shape)} differ`);
  const dx = ctx.empty(x.shape, 'f32', 'gelu.dx');
  const [gx, gy] = dispatchGrid(Math.ceil(x.size / 256), ctx.limits.maxComputeWorkgroupsPerDimension);
  const params = ctx.uniform([x.size, gx * 256], ['u32', 'u32']);
  ctx.dispatch(ctx.pipeline(GELU_BACKWARD_WGSL, 'geluBackward'), [dy, x, dx, params], [gx, gy]);
  return dx;
}
