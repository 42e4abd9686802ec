// MEND's editor (gradient transform) around the matmuls: the normalised input
// [ (u − μ_u)/(σ_u + ε), (δ − μ_δ)/(σ_δ + ε) ] of the kept token rows, and
// the residual step x += relu(pre · scale[m] + shift[m]) of each editor layer
// (pre = x·Vᵀ·Uᵀ + b comes from matmul). Forward only: the editor is trained
// offline (training/train_mend.py).
import type { GpuContext } from '../gpu/context.ts';
import { dispatchGrid } from '../gpu/context.ts';
import type { GpuTensor } from '../gpu/tensor.ts';
import { shapeText } from '../gpu/tensor.ts';

const WG = 256;

const MEND_INPUT_WGSL = /* wgsl */ `
struct Params { n: u32, din: u32, dout: u32, stride: u32, eps: f32, total: u32 }
@group(0) @binding(0) var<storage, read> u: array<f32>;
@group(0) @binding(1) var<storage, read> delta: array<f32>;
@group(0) @binding(2) var<storage, read> rows: array<u32>;
@group(0) @binding(3) var<storage, read> stats: array<f32>;
@group(0) @binding(4) var<storage, read_write> x: array<f32>;
@group(0) @binding(5) var<uniform> p: Params;

// stats: [u_mean (din), u_std (din), v_mean (dout), v_std (dout)]
@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * p.stride;
  if (i >= p.total) { return; }
  let D = p.din + p.dout;
  let n = i / D;
  let j = i % D;
  let r = rows[n];
  if (j < p.din) {
    x[i] = (u[r * p.din + j] - stats[j]) / (stats[p.din + j] + p.eps);
  } else {
    let k = j - p.din;
    x[i] = (delta[r * p.dout + k] - stats[2u * p.din + k]) / (stats[2u * p.din + p.dout + k] + p.eps);
  }
}`;

const MEND_RESIDUAL_WGSL = /* wgsl */ `
struct Params { total: u32, D: u32, mode: u32, stride: u32 }
@group(0) @binding(0) var<storage, read_write> x: array<f32>;
@group(0) @binding(1) var<storage, read> pre: array<f32>;
@group(0) @binding(2) var<storage, read> scale: array<f32>;
@group(0) @binding(3) var<storage, read> shift: array<f32>;
@group(0) @binding(4) var<uniform> p: Params;

@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * p.stride;
  if (i >= p.total) { return; }
  let j = p.mode * p.D + i % p.D;
  x[i] = x[i] + max(pre[i] * scale[j] + shift[j], 0.0);
}`;

/**
 * x [n, din+dout] from the token rows `rows` of u [T, din] and δ [T, dout],
 * normalised with stats = [μ_u, σ_u, μ_δ, σ_δ] (f32, 2·din + 2·dout).
 */
export function mendInput(ctx: GpuContext, u: GpuTensor, delta: GpuTensor, rows: GpuTensor, stats: GpuTensor, eps: number): GpuTensor {
  const din = u.shape[u.shape.length - 1]!;
  const dout = delta.shape[delta.shape.length - 1]!;
  const T = u.size / din;
  if (delta.size / dout !== T) throw new Error(`mendInput: u ${shapeText(u.shape)} and δ ${shapeText(delta.shape)} have different row counts`);
  if (stats.size !== 2 * (din + dout)) throw new Error(`mendInput: stats has ${stats.size} values, not ${2 * (din + dout)}`);
  const n = rows.size;
  const x = ctx.empty([n, din + dout], 'f32', 'mend.x');
  const total = n * (din + dout);
  const [gx, gy] = dispatchGrid(Math.max(1, Math.ceil(total / WG)), ctx.limits.maxComputeWorkgroupsPerDimension);
  const params = ctx.uniform([n, din, dout, gx * WG, eps, total], ['u32', 'u32', 'u32', 'u32', 'f32', 'u32']);
  ctx.dispatch(ctx.pipeline(MEND_INPUT_WGSL, 'mendInput'), [u, delta, rows, stats, x, params], [gx, gy]);
  return x;
}

/** x += relu(pre · scale[mode] + shift[mode]) in place; x, pre: [n, D]; scale, shift: [modes, D]. */
export function mendResidual(ctx: GpuContext, x: GpuTensor, pre: GpuTensor, scale: GpuTensor, shift: GpuTensor, mode: number): void {
  const D = x.shape[x.shape.length - 1]!;
  if (pre.size !== x.size) throw new Error(`mendResidual: x ${shapeText(x.shape)} and pre ${shapeText(pre.shape)} differ`);
  const modes = scale.size / D;
  if (shift.size !== scale.size || !Number.isInteger(modes) || !(mode >= 0 && mode < modes)) throw new Error(`mendResidual: mode ${mode} outside the ${modes} modes of scale ${shapeText(scale.shape)}`);
  const [gx, gy] = dispatchGrid(Math.max(1, Math.ceil(x.size / WG)), ctx.limits.maxComputeWorkgroupsPerDimension);
  const params = ctx.uniform([x.size, D, mode, gx * WG], ['u32', 'u32', 'u32', 'u32']);
  ctx.dispatch(ctx.pipeline(MEND_RESIDUAL_WGSL, 'mendResidual'), [x, pre, scale, shift, params], [gx, gy]);
}
