// The k largest logits of each row, found on the GPU so that top-k sampling
// reads back a few candidates per row instead of the 50257-wide logits.
// One workgroup per (segment of TOP_K_SEGMENT columns, row): each invocation keeps its
// own k best while striding over the segment, then one invocation merges the
// workgroup's WG·k candidates. The order is total (larger value first, then
// the smaller id), the CPU's order too, so the k best of all segments'
// candidates are exactly the k best of the row.
//   z:   f32 [n, cols], logits of vocabulary ids colOffset .. colOffset+cols
//   out: f32 [n, segments, k, 2] (value, id), written at segment segOffset..
// Slots a short segment cannot fill hold (-3e38, -1): callers skip ids < 0.
import type { GpuContext } from '../gpu/context.ts';
import type { GpuTensor } from '../gpu/tensor.ts';
import { cachedSource } from './wgsl.ts';

const WG = 64;
/** Columns per workgroup. */
export const TOP_K_SEGMENT = WG * 16;
/** Largest k the kernel keeps per invocation (registers). */
export const TOP_K_MAX = 16;

function topKWgsl(k: number): string {
  return /* wgsl */ `
struct Params { n: u32, cols: u32, colOffset: u32, segs: u32, segOffset: u32, segTotal: u32 }
@group(0) @binding(0) var<storage, read> z: array<f32>;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@group(0) @binding(2) var<uniform> p: Params;
var<workgroup> cv: array<f32, ${WG * k}>;
var<workgroup> ci: array<i32, ${WG * k}>;

// (v, i) before (w, j) in the order: larger value first, then the smaller id.
fn before(v: f32, i: i32, w: f32, j: i32) -> bool {
  return v > w || (v == w && i >= 0 && (j < 0 || i < j));
}

@compute @workgroup_size(${WG})
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let g = wg.x;
  let r = wg.y;
  var bv: array<f32, ${k}>;
  var bi: array<i32, ${k}>;
  for (var a = 0u; a < ${k}u; a++) { bv[a] = -3.0e38; bi[a] = -1; }
  let end = min(p.cols, (g + 1u) * ${TOP_K_SEGMENT}u);
  for (var c = g * ${TOP_K_SEGMENT}u + lid; c < end; c += ${WG}u) {
    let v = z[r * p.cols + c];
    let id = i32(p.colOffset + c);
    if (!before(v, id, bv[${k - 1}u], bi[${k - 1}u])) { continue; }
    // Insert, keeping bv/bi in order.
    var a = ${k - 1}u;
    while (a > 0u && before(v, id, bv[a - 1u], bi[a - 1u])) {
      bv[a] = bv[a - 1u];
      bi[a] = bi[a - 1u];
      a--;
    }
    bv[a] = v;
    bi[a] = id;
  }
  for (var a = 0u; a < ${k}u; a++) {
    cv[lid * ${k}u + a] = bv[a];
    ci[lid * ${k}u + a] = bi[a];
  }
  workgroupBarrier();
  if (lid != 0u) { return; }
  for (var a = 0u; a < ${k}u; a++) { bv[a] = -3.0e38; bi[a] = -1; }
  for (var q = 0u; q < ${WG * k}u; q++) {
    let v = cv[q];
    let id = ci[q];
    if (id < 0 || !before(v, id, bv[${k - 1}u], bi[${k - 1}u])) { continue; }
    var a = ${k - 1}u;
    while (a > 0u && before(v, id, bv[a - 1u], bi[a - 1u])) {
      bv[a] = bv[a - 1u];
      bi[a] = bi[a - 1u];
      a--;
    }
    bv[a] = v;
    bi[a] = id;
  }
  let o = ((r * p.segTotal + p.segOffset + g) * ${k}u) * 2u;
  for (var a = 0u; a < ${k}u; a++) {
    out[o + 2u * a] = bv[a];
    out[o + 2u * a + 1u] = f32(bi[a]);
  }
}`;
}

/** Segments a row of `cols` logits splits into. */
export function topKSegments(cols: number): number {
  return Math.ceil(cols / TOP_K_SEGMENT);
}

/**
 * Each row's k best (value, id) per segment of z into out [n, segTotal, k, 2],
 * at segments segOffset.. (several vocabulary chunks share one output and one read-back).
 */
export function topKCandidates(ctx: GpuContext, z: GpuTensor, k: number, out: GpuTensor, opts: { colOffset: number; segOffset: number }): void {
  const [n, cols] = z.shape as [number, number];
  if (z.shape.length !== 2) throw new Error(`topKCandidates: logits must be [n, cols], got [${z.shape}]`);
  if (!Number.isInteger(k) || k < 1 || k > TOP_K_MAX) throw new Error(`topKCandidates: k = ${k} outside 1..${TOP_K_MAX}`);
  if (opts.colOffset + cols >= 2 ** 24) throw new Error('topKCandidates: ids must stay below 2^24 (they travel as f32)');
  const segs = topKSegments(cols);
  const segTotal = out.size / (n * k * 2);
  if (!Number.isInteger(segTotal) || opts.segOffset + segs > segTotal) throw new Error(`topKCandidates: out holds ${out.size} floats, not room for segments ${opts.segOffset}..${opts.segOffset + segs} of ${n} rows × ${k}`);
  const params = ctx.uniform([n, cols, opts.colOffset, segs, opts.segOffset, segTotal], ['u32', 'u32', 'u32', 'u32', 'u32', 'u32']);
  const key = `topK:${k}`;
  if (n > ctx.limits.maxComputeWorkgroupsPerDimension) throw new Error(`topKCandidates: ${n} rows exceed the device's ${ctx.limits.maxComputeWorkgroupsPerDimension} workgroups per dimension`);
  ctx.dispatch(ctx.pipeline(cachedSource(key, () => topKWgsl(k)), key), [z, out, params], [segs, n]);
}

/** The k best (value, id) of each row from the read-back candidates [n, segTotal, k, 2], best first. */
export function mergeTopK(cand: Float32Array, n: number, k: number): Array<Array<{ id: number; z: number }>> {
  const per = cand.length / n / 2;
  return Array.from({ length: n }, (_, r) => {
    const list: Array<{ id: number; z: number }> = [];
    for (let q = 0; q < per; q++) {
      const id = cand[(r * per + q) * 2 + 1]!;
      if (id >= 0) list.push({ id, z: cand[(r * per + q) * 2]! });
    }
    return list.sort((a, b) => b.z - a.z || a.id - b.id).slice(0, k);
  });
}
