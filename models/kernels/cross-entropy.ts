// Log-softmax statistics over a vocabulary streamed in column chunks.
// The unembedding produces logits for one vocabulary chunk at a time
// ([rows, chunkCols], bounded memory); this kernel folds each chunk into a
// per-row running state, so a [T, 50257] logits tensor never exists:
//   state[r] = (max, sumexp relative to max, target logit, argmax value, argmax index)
// After the last chunk: logsumexp = max + log(sumexp), nll = logsumexp - target.
// The backward pass (softmax − onehot) streams the same chunks again (ROME's v*).
import type { GpuContext } from '../gpu/context.ts';
import type { GpuTensor } from '../gpu/tensor.ts';
import { shapeText } from '../gpu/tensor.ts';

/** Floats per row in the running state. */
export const LSE_STATE_WIDTH = 5;
const WG = 64;

const ACCUMULATE_WGSL = /* wgsl */ `
struct Params { rows: u32, cols: u32, colOffset: u32, first: u32 }
@group(0) @binding(0) var<storage, read> logits: array<f32>;       // [rows, cols]
@group(0) @binding(1) var<storage, read> targets: array<u32>;      // [rows]; 0xffffffff = none
@group(0) @binding(2) var<storage, read_write> state: array<f32>;  // [rows, 5]
@group(0) @binding(3) var<uniform> p: Params;

var<workgroup> wmax: array<f32, ${WG}>;
var<workgroup> wsum: array<f32, ${WG}>;
var<workgroup> warg: array<u32, ${WG}>;

// One workgroup per row: each thread folds a strided slice of the chunk,
// then a tree reduction merges (max, sum) pairs and argmax candidates.
@compute @workgroup_size(${WG})
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let row = wg.x + wg.y * 65535u;
  if (row >= p.rows) { return; }
  let base = row * p.cols;
  var m = -3.0e38;
  var s = 0.0;
  var a = 0u;
  for (var c = lid.x; c < p.cols; c += ${WG}u) {
    let x = logits[base + c];
    if (x > m) { s = s * exp(m - x) + 1.0; m = x; a = c; } else { s += exp(x - m); }
  }
  wmax[lid.x] = m; wsum[lid.x] = s; warg[lid.x] = a;
  workgroupBarrier();
  for (var stride = ${WG / 2}u; stride > 0u; stride = stride >> 1u) {
    if (lid.x < stride) {
      let m1 = wmax[lid.x]; let m2 = wmax[lid.x + stride];
      let s1 = wsum[lid.x]; let s2 = wsum[lid.x + stride];
      let mm = max(m1, m2);
      wsum[lid.x] = s1 * exp(m1 - mm) + s2 * exp(m2 - mm);
      // Ties go to the lower index, as torch.argmax does.
      let a1 = warg[lid.x]; let a2 = warg[lid.x + stride];
      if (m2 > m1 || (m2 == m1 && a2 < a1)) { warg[lid.x] = a2; }
      wmax[lid.x] = mm;
    }
    workgroupBarrier();
  }
  if (lid.x == 0u) {
    let o = row * 5u;
    let cm = wmax[0]; let cs = wsum[0]; let ca = warg[0] + p.colOffset;
    let t = targets[row];
    let hasT = t != 0xffffffffu && t >= p.colOffset && t < p.colOffset + p.cols;
    if (p.first == 1u) {
      state[o] = cm; state[o + 1u] = cs;
      state[o + 2u] = select(0.0, logits[base + (t - p.colOffset)], hasT);
      state[o + 3u] = cm; state[o + 4u] = bitcast<f32>(ca);
    } else {
      let om = state[o]; let os = state[o + 1u];
      let nm = max(om, cm);
      state[o] = nm;
      state[o + 1u] = os * exp(om - nm) + cs * exp(cm - nm);
      if (hasT) { state[o + 2u] = logits[base + (t - p.colOffset)]; }
      // Strictly greater: an earlier chunk (lower index) wins ties.
      if (cm > state[o + 3u]) { state[o + 3u] = cm; state[o + 4u] = bitcast<f32>(ca); }
    }
  }
}`;

/**
 * Fold one chunk of logits (columns colOffset..colOffset+cols of the vocabulary)
 * into `state` ([rows, 5], f32). `first` resets the state with this chunk.
 */
export function logSoftmaxAccumulate(
  ctx: GpuContext,
  logits: GpuTensor,
  targets: GpuTensor,
  state: GpuTensor,
  colOffset: number,
  first: boolean,
): void {
  const [rows, cols] = logits.shape as [number, number];
  if (logits.shape.length !== 2) throw new Error(`logSoftmaxAccumulate: logits ${shapeText(logits.shape)} must be [rows, cols]`);
  if (targets.dtype !== 'u32' || targets.size !== rows) throw new Error(`logSoftmaxAccumulate: targets must be u32 [${rows}]`);
  if (state.size !== rows * LSE_STATE_WIDTH) throw new Error(`logSoftmaxAccumulate: state must be [${rows}, ${LSE_STATE_WIDTH}]`);
  if (rows === 0 || cols === 0) return;
  const params = ctx.uniform([rows, cols, colOffset, first ? 1 : 0], ['u32', 'u32', 'u32', 'u32']);
  const x = Math.min(rows, 65535);
  const y = Math.ceil(rows / 65535);
  ctx.dispatch(ctx.pipeline(ACCUMULATE_WGSL, 'lse-accumulate'), [logits, targets, state, params], [x, y]);
}

export interface RowScores {
  /** log Σ exp(logits) per row */
  logsumexp: Float64Array;
  /** −log p(target) per row (NaN where the row had no target) */
  nll: Float64Array;
  argmax: Uint32Array;
}

/** Decode the downloaded state; NLL is formed in float64 from max, sumexp and the target logit. */
export function decodeLseState(state: Float32Array, targets: ArrayLike<number>): RowScores {
  const rows = state.length / LSE_STATE_WIDTH;
  const bits = new Uint32Array(state.buffer, state.byteOffset, state.length);
  const logsumexp = new Float64Array(rows);
  const nll = new Float64Array(rows);
  const argmax = new Uint32Array(rows);
  for (let r = 0; r < rows; r++) {
    const o = r * LSE_STATE_WIDTH;
    logsumexp[r] = state[o]! + Math.log(state[o + 1]!);
    nll[r] = targets[r] === 0xffffffff ? NaN : logsumexp[r]! - state[o + 2]!;
    argmax[r] = bits[o + 4]!;
  }
  return { logsumexp, nll, argmax };
}

// ---- ROME's v* loss and its gradient in one pass over the vocabulary ----
// Rows are NLL rows (target t, weight w: loss w·(lse − z_t)) or the KL row
// (target NONE, weight κ, reference log-probs q: loss κ·Σ p (log p − q)).
// Per row a running state is carried across vocabulary chunks, rescaled
// whenever the running maximum M moves (online softmax), with two gradient
// accumulators of width d:
//   S = Σ e^{z−M}                      A = Σ e^{z−M} u,   u = z − M − q  (KL row)
//   G = Σ e^{z−M} W_v                  H = Σ e^{z−M} u W_v  (KL row) | W_t (NLL row, not rescaled)
// so that, with p = e^{z−M}/S and lse = M + log S,
//   NLL = lse − z_t                    ∂/∂h = w (G/S − W_t)
//   KL  = A/S − log S                  ∂/∂h = κ (H/S − (A/S)(G/S))
// (∂KL/∂z_v = p_v (log p_v − q_v − KL) and log p − q = u − log S.) When M
// moves to M', e^{z−M} scales by r = e^{M−M'} and u shifts by −(M'−M), hence
// A ← r(A − (M'−M)S) and H ← r(H − (M'−M)G). Each chunk costs the logits
// z = hs·W_cᵀ, one kernel for the chunk's statistics and weights E, the
// weighted sums P = E·W_c, and one merge: the vocabulary is read twice per
// step instead of four times (statistics, KL, logits again, dz·W).

/** Target of the KL row (and of rows without one). */
export const NO_TARGET = 0xffffffff;
/** Floats per row in the v* state: (M, S, A, target logit). */
export const VSTAR_STATE_WIDTH = 4;

const VSTAR_CHUNK_WGSL = /* wgsl */ `
struct Params { rows: u32, cols: u32, colOffset: u32, flags: u32 } // flags: 1 = initQ, 2 = grad
@group(0) @binding(0) var<storage, read> logits: array<f32>;      // [rows, cols]
@group(0) @binding(1) var<storage, read> targets: array<u32>;     // [rows]
@group(0) @binding(2) var<storage, read_write> q: array<f32>;     // [vocab]
@group(0) @binding(3) var<storage, read_write> stats: array<f32>; // [rows, 4]: chunk (max, Σe, Σe·u, target logit)
@group(0) @binding(4) var<storage, read_write> e: array<f32>;     // [2·rows, cols]: e^{z−m}, then e^{z−m}·u | onehot
@group(0) @binding(5) var<uniform> p: Params;
var<workgroup> red: array<f32, ${WG}>;
var<workgroup> red2: array<f32, ${WG}>;

@compute @workgroup_size(${WG})
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let row = wg.x;
  if (row >= p.rows) { return; }
  let base = row * p.cols;
  var m = -3.0e38;
  for (var c = lid.x; c < p.cols; c += ${WG}u) { m = max(m, logits[base + c]); }
  red[lid.x] = m;
  workgroupBarrier();
  for (var k = ${WG / 2}u; k > 0u; k = k >> 1u) {
    if (lid.x < k) { red[lid.x] = max(red[lid.x], red[lid.x + k]); }
    workgroupBarrier();
  }
  let cm = red[0];
  workgroupBarrier();
  let t = targets[row];
  let kl = t == 0xffffffffu;
  let initQ = (p.flags & 1u) != 0u;
  let grad = (p.flags & 2u) != 0u;
  let second = (p.rows + row) * p.cols;
  var s = 0.0;
  var a = 0.0;
  for (var c = lid.x; c < p.cols; c += ${WG}u) {
    let z = logits[base + c];
    let w = exp(z - cm);
    s += w;
    var w2 = 0.0;
    if (kl) {
      // Iteration 0: q is this row's own log-softmax (kl_init): keep z, subtract lse at the end.
      if (initQ) { q[p.colOffset + c] = z; } else { w2 = w * (z - cm - q[p.colOffset + c]); a += w2; }
    } else if (t == p.colOffset + c) {
      w2 = 1.0;
    }
    if (grad) { e[base + c] = w; e[second + c] = w2; }
  }
  red[lid.x] = s;
  red2[lid.x] = a;
  workgroupBarrier();
  for (var k = ${WG / 2}u; k > 0u; k = k >> 1u) {
    if (lid.x < k) { red[lid.x] += red[lid.x + k]; red2[lid.x] += red2[lid.x + k]; }
    workgroupBarrier();
  }
  if (lid.x == 0u) {
    let hasT = !kl && t >= p.colOffset && t < p.colOffset + p.cols;
    stats[row * 4u] = cm;
    stats[row * 4u + 1u] = red[0];
    stats[row * 4u + 2u] = red2[0];
    stats[row * 4u + 3u] = select(0.0, logits[base + min(t - p.colOffset, p.cols - 1u)], hasT);
  }
}`;

/**
 * One vocabulary chunk of the v* pass: per row the chunk's (max, Σe, Σe·u,
 * target logit) into `stats` [rows, 4] and, with `grad`, the weights `e`
 * [2·rows, cols] whose product with the chunk's rows of W gives G and H.
 * With `initQ` the KL row's raw logits go to q (finishVStarQ subtracts lse).
 */
export function vStarChunk(
  ctx: GpuContext,
  logits: GpuTensor,
  targets: GpuTensor,
  q: GpuTensor,
  stats: GpuTensor,
  e: GpuTensor,
  colOffset: number,
  opts: { initQ: boolean; grad: boolean },
): void {
  const [rows, cols] = logits.shape as [number, number];
  if (targets.size !== rows || stats.size !== rows * VSTAR_STATE_WIDTH) throw new Error(`vStarChunk: targets [${rows}] and stats [${rows}, 4] expected`);
  if (opts.grad && e.size !== 2 * rows * cols) throw new Error(`vStarChunk: e must be [${2 * rows}, ${cols}]`);
  const params = ctx.uniform([rows, cols, colOffset, (opts.initQ ? 1 : 0) | (opts.grad ? 2 : 0)], ['u32', 'u32', 'u32', 'u32']);
  ctx.dispatch(ctx.pipeline(VSTAR_CHUNK_WGSL, 'vstar-chunk'), [logits, targets, q, stats, e, params], [rows]);
}

const VSTAR_MERGE_WGSL = /* wgsl */ `
struct Params { rows: u32, d: u32, colOffset: u32, cols: u32, first: u32, grad: u32 }
@group(0) @binding(0) var<storage, read> stats: array<f32>;        // [rows, 4] this chunk
@group(0) @binding(1) var<storage, read> pw: array<f32>;           // [2·rows, d] = e · W_chunk
@group(0) @binding(2) var<storage, read> targets: array<u32>;      // [rows]
@group(0) @binding(3) var<storage, read_write> state: array<f32>;  // [rows, 4] running (M, S, A, target logit)
@group(0) @binding(4) var<storage, read_write> g: array<f32>;      // [rows, d]
@group(0) @binding(5) var<storage, read_write> h: array<f32>;      // [rows, d]
@group(0) @binding(6) var<uniform> p: Params;

@compute @workgroup_size(${WG})
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let r = wg.x;
  if (r >= p.rows) { return; }
  let cm = stats[r * 4u]; let cs = stats[r * 4u + 1u]; let ca = stats[r * 4u + 2u]; let ct = stats[r * 4u + 3u];
  let t = targets[r];
  let kl = t == 0xffffffffu;
  let first = p.first == 1u;
  var m0 = cm; var s0 = 0.0; var a0 = 0.0; var t0 = 0.0;
  if (!first) { m0 = state[r * 4u]; s0 = state[r * 4u + 1u]; a0 = state[r * 4u + 2u]; t0 = state[r * 4u + 3u]; }
  let mm = max(m0, cm);
  let r1 = exp(m0 - mm);
  let r2 = exp(cm - mm);
  if (p.grad == 1u) {
    for (var j = lid.x; j < p.d; j += ${WG}u) {
      let pg = pw[r * p.d + j];
      let ph = pw[(p.rows + r) * p.d + j];
      let o = r * p.d + j;
      if (first) {
        g[o] = pg; h[o] = ph;
      } else {
        let g0 = g[o];
        g[o] = r1 * g0 + r2 * pg;
        if (kl) { h[o] = r1 * (h[o] - (mm - m0) * g0) + r2 * (ph - (mm - cm) * pg); } else { h[o] = h[o] + ph; }
      }
    }
  }
  // Every invocation has read the old state before it is overwritten.
  storageBarrier();
  if (lid.x == 0u) {
    state[r * 4u] = mm;
    if (first) {
      state[r * 4u + 1u] = cs; state[r * 4u + 2u] = ca; state[r * 4u + 3u] = ct;
    } else {
      state[r * 4u + 1u] = r1 * s0 + r2 * cs;
      state[r * 4u + 2u] = r1 * (a0 - (mm - m0) * s0) + r2 * (ca - (mm - cm) * cs);
      let hasT = !kl && t >= p.colOffset && t < p.colOffset + p.cols;
      state[r * 4u + 3u] = select(t0, ct, hasT);
    }
  }
}`;

/** Fold one chunk's statistics (and, with `pw`, its weighted sums) into the running state and accumulators. */
export function vStarMerge(
  ctx: GpuContext,
  stats: GpuTensor,
  pw: GpuTensor,
  targets: GpuTensor,
  state: GpuTensor,
  g: GpuTensor,
  h: GpuTensor,
  chunk: { colOffset: number; cols: number; first: boolean; grad: boolean },
): void {
  const rows = targets.size;
  const d = g.size / rows;
  if (chunk.grad && (pw.size !== 2 * rows * d || h.size !== rows * d)) throw new Error(`vStarMerge: pw [${2 * rows}, ${d}] and h [${rows}, ${d}] expected`);
  if (state.size < rows * VSTAR_STATE_WIDTH) throw new Error(`vStarMerge: state holds fewer than ${rows} rows`);
  const params = ctx.uniform([rows, d, chunk.colOffset, chunk.cols, chunk.first ? 1 : 0, chunk.grad ? 1 : 0], ['u32', 'u32', 'u32', 'u32', 'u32', 'u32']);
  ctx.dispatch(ctx.pipeline(VSTAR_MERGE_WGSL, 'vstar-merge'), [stats, pw, targets, state, g, h, params], [rows]);
}

const VSTAR_GRAD_WGSL = /* wgsl */ `
struct Params { rows: u32, d: u32, initQ: u32, totalRows: u32 }
@group(0) @binding(0) var<storage, read> state: array<f32>;        // [rows, 4]
@group(0) @binding(1) var<storage, read> targets: array<u32>;      // [rows]
@group(0) @binding(2) var<storage, read> weights: array<f32>;      // [rows]
@group(0) @binding(3) var<storage, read> rowIdx: array<u32>;       // [rows]: where each row sits in dHidden
@group(0) @binding(4) var<storage, read> g: array<f32>;            // [rows, d]
@group(0) @binding(5) var<storage, read> h: array<f32>;            // [rows, d]
@group(0) @binding(6) var<storage, read_write> dHidden: array<f32>; // [totalRows, d], zero elsewhere
@group(0) @binding(7) var<uniform> p: Params;

@compute @workgroup_size(${WG})
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let r = wg.x;
  if (r >= p.rows) { return; }
  let dst = rowIdx[r];
  if (dst >= p.totalRows) { return; }
  let s = state[r * 4u + 1u];
  let a = state[r * 4u + 2u] / s;
  let w = weights[r];
  let kl = targets[r] == 0xffffffffu;
  for (var j = lid.x; j < p.d; j += ${WG}u) {
    let o = r * p.d + j;
    var v = 0.0;
    if (!kl) { v = w * (g[o] / s - h[o]); }
    // At iteration 0 the KL row compares the model with itself: zero loss, zero gradient.
    else if (p.initQ == 0u) { v = w * (h[o] / s - a * (g[o] / s)); }
    dHidden[dst * p.d + j] = v;
  }
}`;

/** ∂loss/∂hidden at the loss rows (written at rowIdx of a zeroed dHidden [totalRows, d]) from the final state. */
export function vStarGrad(
  ctx: GpuContext,
  state: GpuTensor,
  targets: GpuTensor,
  weights: GpuTensor,
  rowIdx: GpuTensor,
  g: GpuTensor,
  h: GpuTensor,
  dHidden: GpuTensor,
  initQ: boolean,
): void {
  const rows = targets.size;
  const d = g.size / rows;
  const params = ctx.uniform([rows, d, initQ ? 1 : 0, dHidden.size / d], ['u32', 'u32', 'u32', 'u32']);
  ctx.dispatch(ctx.pipeline(VSTAR_GRAD_WGSL, 'vstar-grad'), [state, targets, weights, rowIdx, g, h, dHidden, params], [rows]);
}

const VSTAR_Q_WGSL = /* wgsl */ `
struct Params { vocab: u32, row: u32 }
@group(0) @binding(0) var<storage, read> state: array<f32>;  // [rows, 4]
@group(0) @binding(1) var<storage, read_write> q: array<f32>; // [vocab] raw logits of the KL row
@group(0) @binding(2) var<uniform> p: Params;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let v = gid.x + gid.y * 65535u * 64u;
  if (v >= p.vocab) { return; }
  q[v] = q[v] - (state[p.row * 4u] + log(state[p.row * 4u + 1u]));
}`;

/** q = z − lse for the KL row `row`: ROME's kl_init, kept on the GPU. */
export function finishVStarQ(ctx: GpuContext, state: GpuTensor, q: GpuTensor, row: number): void {
  const params = ctx.uniform([q.size, row], ['u32', 'u32']);
  const groups = Math.ceil(q.size / 64);
  ctx.dispatch(ctx.pipeline(VSTAR_Q_WGSL, 'vstar-q'), [state, q, params], [Math.min(groups, 65535), Math.ceil(groups / 65535)]);
}

export interface VStarRowValues {
  /** Per row: NLL of its target (NLL rows) or KL (the KL row). */
  values: Float64Array;
  logsumexp: Float64Array;
}

/** Decode the downloaded state in float64 (as decodeLseState). KL is 0 at iteration 0 (initQ). */
export function decodeVStarState(state: Float32Array, targets: ArrayLike<number>, initQ: boolean): VStarRowValues {
  const rows = targets.length;
  const values = new Float64Array(rows);
  const logsumexp = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    const [m, s, a, zt] = [state[4 * r]!, state[4 * r + 1]!, state[4 * r + 2]!, state[4 * r + 3]!];
    logsumexp[r] = m + Math.log(s);
    values[r] = targets[r] !== NO_TARGET ? logsumexp[r]! - zt : initQ ? 0 : a / s - Math.log(s);
  }
  return { values, logsumexp };
}
