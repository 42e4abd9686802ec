// Causal multi-head self-attention forward (GPT-2's attn core, between the
// c_attn and c_proj matmuls).
//   qkv: f32 [B·T, 3d] (or [B, T, 3d]); per row q = cols [0,d), k = [d,2d),
//        v = [2d,3d); head j owns cols j·hd..(j+1)·hd of each.
//   out: f32 [B·T, d] (same leading shape as qkv), heads concatenated.
// Query t of sequence b attends to keys s ≤ t with weights
// softmax(q·k / sqrt(hd)). Sequences share a padded length T and have valid
// lengths (right padding): a valid query never reads a padded key (s ≤ t <
// len), and padded query rows get no keys and are written as zeros, so
// garbage (even NaN) in padding cannot reach any output.
//
// Tiled like flash attention: a workgroup takes a block of query rows of one
// (sequence, head), stages tiles of keys and values in workgroup memory
// (each loaded once per block, not once per query) and keeps a running
// max, sum and weighted value sum per row (online softmax), so the T×T
// scores never exist and T is unbounded (head dim ≤ 128). attentionWithProbs reruns the scores once the final
// max and sum are known to write the probabilities [B, H, T, T] (zeros
// above the diagonal and on padded rows) for the backward pass.
import type { GpuContext } from '../gpu/context.ts';
import { dispatchGrid } from '../gpu/context.ts';
import type { GpuTensor } from '../gpu/tensor.ts';
import { shapeText } from '../gpu/tensor.ts';
import { cachedSource, expectDType } from './wgsl.ts';

const WG = 64;
export const ATTENTION_MAX_HEAD_DIM = 128;

/**
 * Query rows (QB) and keys (KT) per tile: the Q, K and V tiles stay within
 * 16 KiB of workgroup memory, and KT is a multiple of the WG/QB invocations
 * that share a query row.
 */
function tiling(hd: number): { QB: number; KT: number } {
  return hd <= 64 ? { QB: 16, KT: 16 } : { QB: 8, KT: 8 };
}

export interface AttentionOptions {
  /** Number of sequences B; default: qkv's leading dim when it is rank 3, else 1. */
  batch?: number;
  /** Valid length of each sequence (≤ T): numbers, or a u32 tensor [B]. Default: all T. */
  lengths?: readonly number[] | GpuTensor;
  /** Write into this f32 tensor [B·T·d elements] instead of allocating. */
  out?: GpuTensor;
}

export interface AttentionResult {
  out: GpuTensor;
  /** [B, H, T, T]: probs[b,h,t,s] = weight of key s for query t. */
  probs: GpuTensor;
}

function attentionWgsl(hd: number, withProbs: boolean): string {
  const { QB, KT } = tiling(hd);
  const TPR = WG / QB; // invocations per query row
  const KPT = KT / TPR; // keys per invocation in a tile
  const HD4 = Math.ceil(hd / 4); // vec4s per staged row (zero-padded past hd)
  const NC4 = Math.ceil(HD4 / TPR); // output vec4s per invocation
  // Invocation (r, j) = (lid / TPR, lid % TPR) owns query row r of the block,
  // keys j, j+TPR, ... of each tile and output vec4s j, j+TPR, ... of the row.
  // Scores and value sums are register-blocked (several keys / columns per
  // read of workgroup memory), generated as straight-line code.
  const keys = Array.from({ length: KPT }, (_, kk) => kk);
  const cols = Array.from({ length: NC4 }, (_, i) => i);
  const colOk = (i: number) => ((i + 1) * TPR > HD4 ? `j + ${i * TPR}u < HD4` : 'true');
  const scores = (assign: (kk: number, s: string, sc: string) => string) => `
    {
      ${keys.map((kk) => `var d${kk} = vec4<f32>();`).join(' ')}
      for (var c = 0u; c < HD4; c++) {
        let q = Qs[r * HD4 + c];
        ${keys.map((kk) => `d${kk} += q * Ks[(j + ${kk * TPR}u) * HD4 + c];`).join('\n        ')}
      }
      ${keys
        .map((kk) => {
          const s = `s0 + j + ${kk * TPR}u`;
          return `{ let s = ${s}; let sc = select(MASKED, dot(d${kk}, vec4<f32>(1.0)) * p.scale, rowValid && s <= t); ${assign(kk, 's', 'sc')} }`;
        })
        .join('\n      ')}
    }`;
  return /* wgsl */ `
struct Params { T: u32, d: u32, H: u32, blocks: u32, groups: u32, gridX: u32, scale: f32 }
@group(0) @binding(0) var<storage, read> qkv: array<f32>;
@group(0) @binding(1) var<storage, read> lengths: array<u32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
@group(0) @binding(3) var<uniform> p: Params;
${withProbs ? '@group(0) @binding(4) var<storage, read_write> probs: array<f32>;' : ''}
const HD = ${hd}u;
const HD4 = ${HD4}u;
const QB = ${QB}u;
const KT = ${KT}u;
const MASKED = -3.0e38;
var<workgroup> Qs: array<vec4<f32>, ${QB * HD4}>;
var<workgroup> Ks: array<vec4<f32>, ${KT * HD4}>;
var<workgroup> Vs: array<vec4<f32>, ${KT * HD4}>;
var<workgroup> S: array<f32, ${QB * KT}>;

// Four columns of a head's slice of row \`row\` (q: part 0, k: 1, v: 2),
// zeros past the head dim.
fn load4(row: u32, part: u32, h: u32, c4: u32) -> vec4<f32> {
  let at = row * 3u * p.d + part * p.d + h * HD;
  var v = vec4<f32>();
  for (var e = 0u; e < 4u; e++) {
    let c = c4 * 4u + e;
    if (c < HD) { v[e] = qkv[at + c]; }
  }
  return v;
}

// Stage keys (and values) s0..s0+KT-1. Rows at or past the sequence's length
// are zeros, so padding garbage (even NaN) cannot leak in through 0·NaN.
fn stageKeys(lid: u32, seq: u32, h: u32, s0: u32, len: u32, withValues: bool) {
  for (var i = lid; i < KT * HD4; i += ${WG}u) {
    let s = s0 + i / HD4;
    var k = vec4<f32>();
    var v = vec4<f32>();
    if (s < len) {
      k = load4(seq + s, 1u, h, i % HD4);
      if (withValues) { v = load4(seq + s, 2u, h, i % HD4); }
    }
    Ks[i] = k;
    Vs[i] = v;
  }
}

@compute @workgroup_size(${WG})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let g = wid.x + wid.y * p.gridX;
  if (g >= p.groups) { return; }
  let q0 = (g % p.blocks) * QB;
  let h = (g / p.blocks) % p.H;
  let b = g / (p.blocks * p.H);
  let seq = b * p.T; // first row of this sequence
  let len = min(lengths[b], p.T);
  let r = lid / ${TPR}u;
  let j = lid % ${TPR}u;
  let t = q0 + r;
  let rowValid = t < len;

  for (var i = lid; i < QB * HD4; i += ${WG}u) {
    let tt = q0 + i / HD4;
    var q = vec4<f32>();
    if (tt < len) { q = load4(seq + tt, 0u, h, i % HD4); }
    Qs[i] = q;
  }

  var m = MASKED; // running max of the row's scores
  var l = 0.0; // running sum of exp(score - m)
  ${cols.map((i) => `var acc${i} = vec4<f32>();`).join(' ')} // running sums of exp(score - m)·v
  // Causal: the block's last query sees keys up to q0 + QB - 1.
  let kEnd = min(q0 + QB, p.T);
  let tiles = (kEnd + KT - 1u) / KT;
  for (var kt = 0u; kt < tiles; kt++) {
    let s0 = kt * KT;
    workgroupBarrier(); // the previous tile is no longer read (and Qs is staged)
    stageKeys(lid, seq, h, s0, len, true);
    workgroupBarrier();
    ${scores((_, s, sc) => `S[r * KT + ${s} - s0] = ${sc};`)}
    workgroupBarrier();
    var tileMax = MASKED;
    for (var ss = 0u; ss < KT; ss++) { tileMax = max(tileMax, S[r * KT + ss]); }
    let mNew = max(m, tileMax);
    let rescale = exp(m - mNew);
    l *= rescale;
    ${cols.map((i) => `acc${i} *= rescale;`).join(' ')}
    // Masked scores weigh exp(MASKED - mNew) = 0: key 0 is visible to every
    // valid row, so mNew is a real score from the first tile on. (Padding
    // rows see only zeroed or real keys and values, so their sums stay
    // finite, and inv = 0 zeroes them.)
    for (var ss = 0u; ss < KT; ss++) {
      let e = exp(S[r * KT + ss] - mNew);
      l += e;
      ${cols.map((i) => `if (${colOk(i)}) { acc${i} += e * Vs[ss * HD4 + j + ${i * TPR}u]; }`).join('\n      ')}
    }
    m = mNew;
  }
  let inv = select(0.0, 1.0 / l, rowValid);
  if (t < p.T) {
    let o = (seq + t) * p.d + h * HD;
    ${cols
      .map(
        (i) => `for (var e = 0u; e < 4u; e++) {
      let c = (j + ${i * TPR}u) * 4u + e;
      if (c < HD) { out[o + c] = acc${i}[e] * inv; }
    }`,
      )
      .join('\n    ')}
  }
  ${
    withProbs
      ? `// Probabilities need the final max and sum: score the causal tiles again.
  // Entries past kEnd stay as allocated (zero).
  let pr = ((b * p.H + h) * p.T + t) * p.T;
  for (var kt = 0u; kt < tiles; kt++) {
    let s0 = kt * KT;
    workgroupBarrier();
    stageKeys(lid, seq, h, s0, len, false);
    workgroupBarrier();
    ${scores((_, s, sc) => `if (t < p.T && ${s} < kEnd) { probs[pr + ${s}] = exp(${sc} - m) * inv; }`)}
  }`
      : ''
  }
}`;
}

function run(ctx: GpuContext, qkv: GpuTensor, nHeads: number, opts: AttentionOptions, withProbs: boolean) {
  const what = `attention(qkv ${shapeText(qkv.shape)}, ${nHeads} heads)`;
  expectDType(`${what}: qkv`, qkv.dtype, ['f32']);
  if (qkv.shape.length < 2 || qkv.shape.length > 3) throw new Error(`${what}: qkv must be [B·T, 3d] or [B, T, 3d]`);
  const width = qkv.shape[qkv.shape.length - 1]!;
  if (width % 3) throw new Error(`${what}: last dim ${width} is not 3·d`);
  const d = width / 3;
  if (!Number.isInteger(nHeads) || nHeads <= 0 || d % nHeads) throw new Error(`${what}: d = ${d} is not a multiple of the head count`);
  const hd = d / nHeads;
  const rows = qkv.size / width;
  const B = opts.batch ?? (qkv.shape.length === 3 ? qkv.shape[0]! : 1);
  if (!Number.isInteger(B) || B <= 0 || rows % B) throw new Error(`${what}: ${rows} rows do not split into ${B} sequences`);
  if (qkv.shape.length === 3 && qkv.shape[0] !== B) throw new Error(`${what}: batch ${B} differs from qkv's leading dim`);
  const T = rows / B;
  if (hd > ATTENTION_MAX_HEAD_DIM) throw new Error(`${what}: head dim ${hd} exceeds the supported ${ATTENTION_MAX_HEAD_DIM}`);

  let lengths: GpuTensor;
  if (opts.lengths === undefined || Array.isArray(opts.lengths)) {
    const lens = (opts.lengths as readonly number[] | undefined) ?? new Array<number>(B).fill(T);
    if (lens.length !== B) throw new Error(`${what}: ${lens.length} lengths for ${B} sequences`);
    for (const l of lens) if (!Number.isInteger(l) || l < 0 || l > T) throw new Error(`${what}: length ${l} outside 0..${T}`);
    lengths = ctx.upload(Uint32Array.from(lens), [B], 'u32', 'attention.lengths');
  } else {
    lengths = opts.lengths as GpuTensor;
    expectDType(`${what}: lengths`, lengths.dtype, ['u32']);
    if (lengths.size !== B) throw new Error(`${what}: lengths has ${lengths.size} entries for ${B} sequences`);
  }

  const outShape = qkv.shape.length === 3 ? [B, T, d] : [rows, d];
  const out = opts.out ?? ctx.empty(outShape, 'f32', 'attention.out');
  if (out.dtype !== 'f32' || out.size !== rows * d) throw new Error(`${what}: out is ${out.dtype} ${shapeText(out.shape)}, want f32 ${shapeText(outShape)}`);
  const probs = withProbs ? ctx.empty([B, nHeads, T, T], 'f32', 'attention.probs') : null;

  const blocks = Math.ceil(T / tiling(hd).QB);
  const groups = B * nHeads * blocks;
  const [gx, gy] = dispatchGrid(groups, ctx.limits.maxComputeWorkgroupsPerDimension);
  const params = ctx.uniform([T, d, nHeads, blocks, groups, gx, 1 / Math.sqrt(hd)], ['u32', 'u32', 'u32', 'u32', 'u32', 'u32', 'f32']);
  const key = `attention:${hd}:${withProbs}`;
  const pipeline = ctx.pipeline(cachedSource(key, () => attentionWgsl(hd, withProbs)), key);
  ctx.dispatch(pipeline, probs ? [qkv, lengths, out, params, probs] : [qkv, lengths, out, params], [gx, gy]);
  // Released after the dispatch is recorded: a release may submit, and the buffer may then be reused.
  if (lengths !== opts.lengths) ctx.release(lengths);
  return { out, probs };
}

/** Causal self-attention of qkv with nHeads heads; returns the context [B·T, d] (or [B, T, d]). */
export function attention(ctx: GpuContext, qkv: GpuTensor, nHeads: number, opts: AttentionOptions = {}): GpuTensor {
  return run(ctx, qkv, nHeads, opts, false).out;
}

/** attention that also returns the probabilities [B, H, T, T] for the backward pass. */
export function attentionWithProbs(ctx: GpuContext, qkv: GpuTensor, nHeads: number, opts: AttentionOptions = {}): AttentionResult {
  const r = run(ctx, qkv, nHeads, opts, true);
  return { out: r.out, probs: r.probs! };
}

// ---- Backward ----
// Backward of causal attention to q, k and v (weights fixed), from the
// probabilities the forward kept. Per sequence b and head h, with O = P·V:
//   D_t  = Σ_s P_ts (dO_t · V_s)                (= dO_t · O_t)
//   dS_ts = P_ts (dO_t · V_s − D_t)
//   dQ_t = scale Σ_s dS_ts K_s,  dK_s = scale Σ_t dS_ts Q_t,  dV_s = Σ_t P_ts dO_t
// One invocation per (b, h, row); it is O(T²·hd) per head, plenty for ROME's
// short prompts (the lab never back-propagates through long texts).
const ATTN_BWD_WG = 64;

function attentionBackwardWgsl(hd: number): string {
  return /* wgsl */ `
struct Params { T: u32, d: u32, H: u32, B: u32, scale: f32 }
@group(0) @binding(0) var<storage, read> dO: array<f32>;      // [B·T, d]
@group(0) @binding(1) var<storage, read> qkv: array<f32>;     // [B·T, 3d]
@group(0) @binding(2) var<storage, read> probs: array<f32>;   // [B, H, T, T]
@group(0) @binding(3) var<storage, read> lengths: array<u32>; // [B]
@group(0) @binding(4) var<storage, read_write> D: array<f32>; // [B, H, T]
@group(0) @binding(5) var<storage, read_write> dqkv: array<f32>; // [B·T, 3d]
@group(0) @binding(6) var<uniform> p: Params;
const HD = ${hd}u;

fn dOdotV(b: u32, h: u32, t: u32, s: u32) -> f32 {
  let o = (b * p.T + t) * p.d + h * HD;
  let v = (b * p.T + s) * 3u * p.d + 2u * p.d + h * HD;
  var acc = 0.0;
  for (var c = 0u; c < HD; c++) { acc += dO[o + c] * qkv[v + c]; }
  return acc;
}
fn prob(b: u32, h: u32, t: u32, s: u32) -> f32 { return probs[((b * p.H + h) * p.T + t) * p.T + s]; }

@compute @workgroup_size(${ATTN_BWD_WG})
fn rowDot(@builtin(global_invocation_id) gid: vec3<u32>) {
  _ = dO[0]; _ = qkv[0]; _ = probs[0]; _ = lengths[0]; _ = D[0]; _ = dqkv[0]; // one bind group serves all three entry points
  let t = gid.x; let bh = gid.y;
  if (t >= p.T || bh >= p.B * p.H) { return; }
  let b = bh / p.H; let h = bh % p.H;
  var acc = 0.0;
  if (t < lengths[b]) { for (var s = 0u; s <= t; s++) { acc += prob(b, h, t, s) * dOdotV(b, h, t, s); } }
  D[bh * p.T + t] = acc;
}

@compute @workgroup_size(${ATTN_BWD_WG})
fn gradQ(@builtin(global_invocation_id) gid: vec3<u32>) {
  _ = dO[0]; _ = qkv[0]; _ = probs[0]; _ = lengths[0]; _ = D[0]; _ = dqkv[0]; // one bind group serves all three entry points
  let t = gid.x; let bh = gid.y;
  if (t >= p.T || bh >= p.B * p.H) { return; }
  let b = bh / p.H; let h = bh % p.H;
  var acc: array<f32, ${hd}>;
  if (t < lengths[b]) {
    let dt = D[bh * p.T + t];
    for (var s = 0u; s <= t; s++) {
      let ds = prob(b, h, t, s) * (dOdotV(b, h, t, s) - dt);
      let k = (b * p.T + s) * 3u * p.d + p.d + h * HD;
      for (var c = 0u; c < HD; c++) { acc[c] += ds * qkv[k + c]; }
    }
  }
  let o = (b * p.T + t) * 3u * p.d + h * HD;
  for (var c = 0u; c < HD; c++) { dqkv[o + c] = p.scale * acc[c]; }
}

@compute @workgroup_size(${ATTN_BWD_WG})
fn gradKV(@builtin(global_invocation_id) gid: vec3<u32>) {
  _ = dO[0]; _ = qkv[0]; _ = probs[0]; _ = lengths[0]; _ = D[0]; _ = dqkv[0]; // one bind group serves all three entry points
  let s = gid.x; let bh = gid.y;
  if (s >= p.T || bh >= p.B * p.H) { return; }
  let b = bh / p.H; let h = bh % p.H;
  var dk: array<f32, ${hd}>;
  var dv: array<f32, ${hd}>;
  let len = lengths[b];
  for (var t = s; t < len; t++) {
    let pr = prob(b, h, t, s);
    let ds = pr * (dOdotV(b, h, t, s) - D[bh * p.T + t]);
    let q = (b * p.T + t) * 3u * p.d + h * HD;
    let o = (b * p.T + t) * p.d + h * HD;
    for (var c = 0u; c < HD; c++) {
      dk[c] += ds * qkv[q + c];
      dv[c] += pr * dO[o + c];
    }
  }
  let base = (b * p.T + s) * 3u * p.d + h * HD;
  for (var c = 0u; c < HD; c++) {
    dqkv[base + p.d + c] = p.scale * dk[c];
    dqkv[base + 2u * p.d + c] = dv[c];
  }
}`;
}

/** ∂loss/∂qkv ([B·T, 3d]) of causal attention, given ∂loss/∂out ([B·T, d]), qkv and the forward's probabilities. */
export function attentionBackward(ctx: GpuContext, dOut: GpuTensor, qkv: GpuTensor, probs: GpuTensor, nHeads: number, opts: AttentionOptions = {}): GpuTensor {
  const what = `attentionBackward(dOut ${shapeText(dOut.shape)}, qkv ${shapeText(qkv.shape)})`;
  expectDType(`${what}: dOut`, dOut.dtype, ['f32']);
  expectDType(`${what}: qkv`, qkv.dtype, ['f32']);
  const d3 = qkv.shape[qkv.shape.length - 1]!;
  const d = d3 / 3;
  const rows = qkv.size / d3;
  const B = opts.batch ?? (qkv.shape.length === 3 ? qkv.shape[0]! : 1);
  const T = rows / B;
  const hd = d / nHeads;
  if (!Number.isInteger(d) || !Number.isInteger(hd) || !Number.isInteger(T)) throw new Error(`${what}: shapes do not split into ${B} sequences of ${nHeads} heads`);
  if (dOut.size !== rows * d || probs.size !== B * nHeads * T * T) throw new Error(`${what}: dOut or probs has the wrong size`);
  if (hd > 256) throw new Error(`${what}: head dim ${hd} above 256`);
  const lengths =
    opts.lengths && 'buffer' in opts.lengths
      ? opts.lengths
      : ctx.upload(Uint32Array.from((opts.lengths as readonly number[] | undefined) ?? new Array<number>(B).fill(T)), [B], 'u32', 'attn.lengths');
  const D = ctx.empty([B, nHeads, T], 'f32', 'attn.D');
  const dqkv = ctx.empty(qkv.shape, 'f32', 'attn.dqkv');
  const params = ctx.uniform([T, d, nHeads, B, 1 / Math.sqrt(hd)], ['u32', 'u32', 'u32', 'u32', 'f32']);
  const code = cachedSource(`attnb:${hd}`, () => attentionBackwardWgsl(hd));
  const groups: [number, number] = [Math.ceil(T / ATTN_BWD_WG), B * nHeads];
  const bind = [dOut, qkv, probs, lengths, D, dqkv, params];
  ctx.dispatch(ctx.pipeline(code, `attnb:${hd}:rowDot`, 'rowDot'), bind, groups);
  ctx.dispatch(ctx.pipeline(code, `attnb:${hd}:gradQ`, 'gradQ'), bind, groups);
  ctx.dispatch(ctx.pipeline(code, `attnb:${hd}:gradKV`, 'gradKV'), bind, groups);
  ctx.release(D);
  if (!(opts.lengths && 'buffer' in opts.lengths)) ctx.release(lengths);
  return dqkv;
}
