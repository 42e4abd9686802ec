// Attention against a key/value cache (generation): the keys and values of
// every earlier position of a sequence stay on the GPU, so each new token
// costs one row through the model instead of the whole prefix.
//   cache: f32 [B, Tmax, 2d] per layer, row (b, s) = k then v of position s
//   rows:  the new tokens, any number in any order: seq[r] = the sequence of
//          row r, pos[r] = its absolute position (NO_POS: a row to skip)
// kvWrite copies each new row's k and v from c_attn's output into the cache;
// attentionCached lets row r attend to positions 0..pos[r] of its sequence's
// cache with softmax(q·k / sqrt(hd)), the same arithmetic as the causal
// attention of model.ts, and writes skipped rows as zeros. Rows need no
// padding: sequences of different lengths pack into one pass (scoring), and
// a generation step is one row per live sequence.
import type { GpuContext } from '../gpu/context.ts';
import { dispatchGrid } from '../gpu/context.ts';
import type { GpuTensor } from '../gpu/tensor.ts';
import { elementReader, storageArray, cachedSource, workgroupReduce, type FloatDType } from './wgsl.ts';

export const NO_POS = 0xffffffff;
const WG = 64;

const KV_WRITE_WGSL = /* wgsl */ `
struct Params { rows: u32, B: u32, d: u32, tmax: u32, stride: u32 }
@group(0) @binding(0) var<storage, read> qkv: array<f32>;          // [rows, 3d]
@group(0) @binding(1) var<storage, read> pos: array<u32>;          // [rows]
@group(0) @binding(2) var<storage, read> seq: array<u32>;          // [rows]
@group(0) @binding(3) var<storage, read_write> cache: array<f32>;  // [B, tmax, 2d]
@group(0) @binding(4) var<uniform> p: Params;

@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * p.stride;
  let w = 2u * p.d;
  if (i >= p.rows * w) { return; }
  let r = i / w;
  let j = i % w;
  let s = pos[r];
  let b = seq[r];
  if (s >= p.tmax || b >= p.B) { return; }
  cache[(b * p.tmax + s) * w + j] = qkv[r * 3u * p.d + p.d + j];
}`;

/** The new rows: their positions and sequences, u32 [rows] each. */
export interface CachedRows {
  pos: GpuTensor;
  seq: GpuTensor;
}

function checkShapes(what: string, qkv: GpuTensor, rows: CachedRows, cache: GpuTensor): { n: number; d: number; B: number; tmax: number } {
  const n = rows.pos.size;
  const d = qkv.shape[qkv.shape.length - 1]! / 3;
  if (qkv.size !== n * 3 * d || rows.seq.size !== n || cache.shape.length !== 3 || cache.shape[2] !== 2 * d) {
    throw new Error(`${what}: qkv [rows, 3d], pos and seq [rows] and cache [B, Tmax, 2d] disagree`);
  }
  return { n, d, B: cache.shape[0]!, tmax: cache.shape[1]! };
}

/** cache[seq[r], pos[r]] = (k, v) of new row r; rows with NO_POS are skipped. */
export function kvWrite(ctx: GpuContext, qkv: GpuTensor, rows: CachedRows, cache: GpuTensor): void {
  const { n, d, B, tmax } = checkShapes('kvWrite', qkv, rows, cache);
  const total = n * 2 * d;
  const [gx, gy] = dispatchGrid(Math.ceil(total / WG), ctx.limits.maxComputeWorkgroupsPerDimension);
  const params = ctx.uniform([n, B, d, tmax, gx * WG], ['u32', 'u32', 'u32', 'u32', 'u32']);
  ctx.dispatch(ctx.pipeline(KV_WRITE_WGSL, 'kvWrite'), [qkv, rows.pos, rows.seq, cache, params], [gx, gy]);
}

function attentionCachedWgsl(tmax: number): string {
  return /* wgsl */ `
struct Params { rows: u32, B: u32, d: u32, H: u32, tmax: u32, scale: f32, gridX: u32 }
@group(0) @binding(0) var<storage, read> qkv: array<f32>;          // [rows, 3d] (q in cols 0..d)
@group(0) @binding(1) var<storage, read> pos: array<u32>;          // [rows]
@group(0) @binding(2) var<storage, read> seqOf: array<u32>;        // [rows]
@group(0) @binding(3) var<storage, read> cache: array<f32>;        // [B, tmax, 2d]
@group(0) @binding(4) var<storage, read_write> out: array<f32>;    // [rows, d]
@group(0) @binding(5) var<uniform> p: Params;
var<workgroup> scores: array<f32, ${tmax}>;
${workgroupReduce(WG)}

// One workgroup per (row, head).
@compute @workgroup_size(${WG})
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let wid = wg.x + wg.y * p.gridX;
  let r = wid / p.H;
  let h = wid % p.H;
  if (r >= p.rows) { return; }
  let hd = p.d / p.H;
  let s0 = pos[r];
  let valid = s0 < p.tmax && seqOf[r] < p.B;
  let len = select(0u, s0 + 1u, valid);
  let w = 2u * p.d;
  let seq = select(0u, seqOf[r], valid) * p.tmax;
  let q = r * 3u * p.d + h * hd;
  var m = -3.0e38;
  for (var s = lid; s < len; s += ${WG}u) {
    let k = (seq + s) * w + h * hd;
    var dot = 0.0;
    for (var j = 0u; j < hd; j++) { dot += qkv[q + j] * cache[k + j]; }
    let x = dot * p.scale;
    scores[s] = x;
    m = max(m, x);
  }
  m = wgMax(m, lid);
  var sum = 0.0;
  for (var s = lid; s < len; s += ${WG}u) {
    let e = exp(scores[s] - m);
    scores[s] = e;
    sum += e;
  }
  sum = wgSum(sum, lid);
  for (var j = lid; j < hd; j += ${WG}u) {
    var acc = 0.0;
    for (var s = 0u; s < len; s++) { acc += scores[s] * cache[(seq + s) * w + p.d + h * hd + j]; }
    out[r * p.d + h * hd + j] = select(0.0, acc / sum, valid);
  }
}`;
}

/** Attention of the new rows over their sequences' caches; returns [rows, d]. */
export function attentionCached(ctx: GpuContext, qkv: GpuTensor, rowsAt: CachedRows, cache: GpuTensor, nHeads: number): GpuTensor {
  const { n: rows, d, B, tmax } = checkShapes('attentionCached', qkv, rowsAt, cache);
  if (d % nHeads) throw new Error(`attentionCached: width ${d} does not split into ${nHeads} heads`);
  // The scores of one (row, head) live in workgroup memory, next to the reduction's scratch.
  if (4 * (tmax + 2 * WG) > ctx.limits.maxComputeWorkgroupStorageSize) throw new Error(`attentionCached: a cache of ${tmax} positions does not fit the device's workgroup memory`);
  const out = ctx.empty([rows, d], 'f32', 'attentionCached.out');
  const [gx, gy] = dispatchGrid(rows * nHeads, ctx.limits.maxComputeWorkgroupsPerDimension);
  const params = ctx.uniform([rows, B, d, nHeads, tmax, 1 / Math.sqrt(d / nHeads), gx], ['u32', 'u32', 'u32', 'u32', 'u32', 'f32', 'u32']);
  const key = `attentionCached:${tmax}`;
  ctx.dispatch(ctx.pipeline(cachedSource(key, () => attentionCachedWgsl(tmax)), key), [qkv, rowsAt.pos, rowsAt.seq, cache, out, params], [gx, gy]);
  return out;
}

function positionsAtWgsl(wpeType: FloatDType): string {
  return /* wgsl */ `
struct Params { total: u32, d: u32, positions: u32, stride: u32 }
@group(0) @binding(0) var<storage, read> wpe: ${storageArray(wpeType)};
@group(0) @binding(1) var<storage, read> pos: array<u32>;
@group(0) @binding(2) var<storage, read_write> x: array<f32>;
@group(0) @binding(3) var<uniform> p: Params;
${elementReader('readWpe', 'wpe', wpeType)}

@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * p.stride;
  if (i >= p.total) { return; }
  let s = pos[i / p.d];
  if (s >= p.positions) { return; }
  x[i] += readWpe(s * p.d + i % p.d);
}`;
}

/** x[r] += wpe[pos[r]] for rows x [rows, d]; padded rows (NO_POS) are left alone. */
export function addPositionsAt(ctx: GpuContext, x: GpuTensor, wpe: GpuTensor, pos: GpuTensor): void {
  const d = wpe.shape[1]!;
  const total = x.size;
  const [gx, gy] = dispatchGrid(Math.ceil(total / WG), ctx.limits.maxComputeWorkgroupsPerDimension);
  const params = ctx.uniform([total, d, wpe.shape[0]!, gx * WG], ['u32', 'u32', 'u32', 'u32']);
  const t = wpe.dtype as FloatDType;
  const key = `addPositionsAt:${t}`;
  ctx.dispatch(ctx.pipeline(cachedSource(key, () => positionsAtWgsl(t)), key), [wpe, pos, x, params], [gx, gy]);
}
