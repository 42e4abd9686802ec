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

// ---- Backward: the gradient of ROME's v* loss with respect to the logits ----
// Rows are either NLL rows (target t, weight w: d/dz of w·(lse − z_t) is
// w·(p − onehot_t)) or KL rows (weight κ, reference log-probs q over the whole
// vocabulary: d/dz of κ·Σ p(log p − q) is κ·p·(log p − q − KL)). The row's
// logsumexp comes from the forward statistics; KL from klTermsAccumulate.

export const ROW_NLL = 0;
export const ROW_KL = 1;

const LOSS_GRAD_WGSL = /* wgsl */ `
struct Params { rows: u32, cols: u32, colOffset: u32, vocab: u32 }
@group(0) @binding(0) var<storage, read> logits: array<f32>;        // [rows, cols]
@group(0) @binding(1) var<storage, read> rowInfo: array<vec4<f32>>; // (lse, weight, kind, KL) per row
@group(0) @binding(2) var<storage, read> targets: array<u32>;       // [rows]
@group(0) @binding(3) var<storage, read> q: array<f32>;             // [vocab] reference log-probs (KL rows)
@group(0) @binding(4) var<storage, read_write> dz: array<f32>;      // [rows, cols]
@group(0) @binding(5) var<uniform> p: Params;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let c = gid.x;
  let r = gid.y;
  if (c >= p.cols || r >= p.rows) { return; }
  let info = rowInfo[r];
  let lp = logits[r * p.cols + c] - info.x;
  let prob = exp(lp);
  var g = 0.0;
  if (info.z < 0.5) {
    let onehot = select(0.0, 1.0, targets[r] == p.colOffset + c);
    g = info.y * (prob - onehot);
  } else {
    g = info.y * prob * (lp - q[p.colOffset + c] - info.w);
  }
  dz[r * p.cols + c] = g;
}`;

/**
 * dz = ∂loss/∂logits for one vocabulary chunk. rowInfo: f32 [rows, 4] =
 * (logsumexp, weight, kind ROW_NLL|ROW_KL, KL value); targets u32 [rows]; q f32 [vocab].
 */
export function lossGradChunk(
  ctx: GpuContext,
  logits: GpuTensor,
  rowInfo: GpuTensor,
  targets: GpuTensor,
  q: GpuTensor,
  colOffset: number,
  out?: GpuTensor,
): GpuTensor {
  const [rows, cols] = logits.shape as [number, number];
  if (rowInfo.size !== rows * 4 || targets.size !== rows) throw new Error(`lossGradChunk: rowInfo [${rows}, 4] and targets [${rows}] expected`);
  const dz = out ?? ctx.empty([rows, cols], 'f32', 'dz');
  const params = ctx.uniform([rows, cols, colOffset, q.size], ['u32', 'u32', 'u32', 'u32']);
  ctx.dispatch(ctx.pipeline(LOSS_GRAD_WGSL, 'loss-grad'), [logits, rowInfo, targets, q, dz, params], [Math.ceil(cols / 64), rows]);
  return dz;
}

const KL_TERMS_WGSL = /* wgsl */ `
struct Params { rows: u32, cols: u32, colOffset: u32, first: u32 }
@group(0) @binding(0) var<storage, read> logits: array<f32>;       // [rows, cols]
@group(0) @binding(1) var<storage, read> lse: array<f32>;          // [rows]
@group(0) @binding(2) var<storage, read> q: array<f32>;            // [vocab]
@group(0) @binding(3) var<storage, read_write> acc: array<f32>;    // [rows]
@group(0) @binding(4) var<uniform> p: Params;
var<workgroup> part: array<f32, 64>;

// Σ_v p_v (log p_v − q_v) over one chunk, added to acc[row].
@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let r = wg.x;
  if (r >= p.rows) { return; }
  var s = 0.0;
  for (var c = lid.x; c < p.cols; c += 64u) {
    let lp = logits[r * p.cols + c] - lse[r];
    s += exp(lp) * (lp - q[p.colOffset + c]);
  }
  part[lid.x] = s;
  workgroupBarrier();
  for (var k = 32u; k > 0u; k = k >> 1u) {
    if (lid.x < k) { part[lid.x] += part[lid.x + k]; }
    workgroupBarrier();
  }
  if (lid.x == 0u) { acc[r] = select(acc[r], 0.0, p.first == 1u) + part[0]; }
}`;

/** acc[r] (+)= Σ_chunk p·(log p − q): KL(p ‖ exp q) once every chunk is folded in. */
export function klTermsAccumulate(ctx: GpuContext, logits: GpuTensor, lse: GpuTensor, q: GpuTensor, acc: GpuTensor, colOffset: number, first: boolean): void {
  const [rows, cols] = logits.shape as [number, number];
  const params = ctx.uniform([rows, cols, colOffset, first ? 1 : 0], ['u32', 'u32', 'u32', 'u32']);
  ctx.dispatch(ctx.pipeline(KL_TERMS_WGSL, 'kl-terms'), [logits, lse, q, acc, params], [rows]);
}

const LOG_PROBS_WGSL = /* wgsl */ `
struct Params { cols: u32, colOffset: u32, row: u32 }
@group(0) @binding(0) var<storage, read> logits: array<f32>;  // [rows, cols]
@group(0) @binding(1) var<storage, read> lse: array<f32>;     // [rows]
@group(0) @binding(2) var<storage, read_write> q: array<f32>; // [vocab]
@group(0) @binding(3) var<uniform> p: Params;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let c = gid.x;
  if (c >= p.cols) { return; }
  q[p.colOffset + c] = logits[p.row * p.cols + c] - lse[p.row];
}`;

/** q[colOffset + c] = log_softmax of row `row` (ROME's kl_init, kept on the GPU). */
export function writeLogProbs(ctx: GpuContext, logits: GpuTensor, lse: GpuTensor, row: number, q: GpuTensor, colOffset: number): void {
  const cols = logits.shape[1]!;
  const params = ctx.uniform([cols, colOffset, row], ['u32', 'u32', 'u32']);
  ctx.dispatch(ctx.pipeline(LOG_PROBS_WGSL, 'log-probs'), [logits, lse, q, params], [Math.ceil(cols / 64)]);
}
