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
