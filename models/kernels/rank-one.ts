// The rank-one update W += u ⊗ right of an edited weight (ROME's
// h.l.mlp.c_proj.weight, [4d, d], Conv1D [in, out]; rome.md step 7). Applied in place on the GPU; the same
// kernel, with the same inputs in the same order, always gives the same bits,
// which is what makes undo-by-replay exact.
import type { GpuContext } from '../gpu/context.ts';
import type { GpuTensor } from '../gpu/tensor.ts';

const WG = 64;

const RANK_ONE_WGSL = /* wgsl */ `
struct Params { rows: u32, cols: u32 }
@group(0) @binding(0) var<storage, read_write> w: array<f32>;
@group(0) @binding(1) var<storage, read> u: array<f32>;
@group(0) @binding(2) var<storage, read> v: array<f32>;
@group(0) @binding(3) var<uniform> p: Params;

@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let c = gid.x;
  let r = gid.y;
  if (c >= p.cols || r >= p.rows) { return; }
  w[r * p.cols + c] = w[r * p.cols + c] + u[r] * v[c];
}`;

/** w[r, c] += u[r]·v[c] in place. w: f32 [rows, cols]. Undo never subtracts: the history replays from a copy. */
export function rankOneUpdate(ctx: GpuContext, w: GpuTensor, u: GpuTensor, v: GpuTensor): void {
  const [rows, cols] = w.shape as [number, number];
  if (w.dtype !== 'f32') throw new Error('rankOneUpdate: the weight must be f32 (edited weights are kept in f32)');
  if (u.size !== rows || v.size !== cols) throw new Error(`rankOneUpdate: u [${u.size}] and v [${v.size}] do not match w [${rows}, ${cols}]`);
  const params = ctx.uniform([rows, cols], ['u32', 'u32']);
  const ys = Math.min(rows, 65535);
  if (rows > 65535) throw new Error('rankOneUpdate: more than 65535 rows');
  ctx.dispatch(ctx.pipeline(RANK_ONE_WGSL, 'rank-one'), [w, u, v, params], [Math.ceil(cols / WG), ys]);
}
