// Float64 CPU GPT-2 forward: the oracle the GPU engine is tested against.
// HF GPT2LMHeadModel semantics (shared/spec/rome.md §0): one sequence, positions 0..T-1,
// no padding, eval mode, lm_head tied to wte. Hooks expose what ROME reads and writes in
// one layer's MLP: its keys (input of mlp.c_proj) and its output (plus an added delta).
import type { Gpt2Config } from '../gpt2/config.ts';
import { blockWeightNames } from '../gpt2/weights.ts';
import { geluNew, layerNorm, linear, logSumExp } from './gpt2-math.ts';

/** Canonical tensor name (see models/gpt2/weights.ts) -> values, row-major. */
export type Gpt2WeightsF64 = ReadonlyMap<string, Float64Array>;

export interface Gpt2ForwardHooks {
  /** The block whose MLP is observed or changed. */
  layer: number;
  /** Return `keys`: the input of h.{layer}.mlp.c_proj, gelu_new(c_fc(ln_2(h))), [T, f]. */
  captureKeys?: boolean;
  /** Return `mlpOut`: the output of h.{layer}.mlp as it enters the residual (delta included), [T, d]. */
  captureMlpOut?: boolean;
  /** Add `delta` (length d) to the MLP output at sequence position `row` (ROME's v* search). */
  mlpOutDelta?: { row: number; delta: ArrayLike<number> };
}

export interface Gpt2ForwardOptions {
  hooks?: Gpt2ForwardHooks;
  /** Also return the full logits [T, V] (8·T·V bytes; off by default). */
  keepLogits?: boolean;
}

export interface Gpt2ForwardResult {
  /** Sequence length. */
  T: number;
  /** wte[ids] + wpe[0..T-1], [T, d]. */
  embed: Float64Array;
  /** residuals[i]: the residual stream after block i, [T, d]. */
  residuals: Float64Array[];
  /** ln_f of the last residual, [T, d] (the LM head's input). */
  finalHidden: Float64Array;
  /** log Σ_v exp(logits[t, v]) per position, [T]. */
  logsumexp: Float64Array;
  /** Most likely next id per position (first index on ties), [T]. */
  argmax: Int32Array;
  /** nll[t] = -log softmax(logits[t])[ids[t+1]], for t = 0..T-2. */
  nll: Float64Array;
  /** [T, V], only with keepLogits. */
  logits?: Float64Array;
  /** [T, f], only with hooks.captureKeys. */
  keys?: Float64Array;
  /** [T, d], only with hooks.captureMlpOut. */
  mlpOut?: Float64Array;
}

function weight(weights: Gpt2WeightsF64, name: string): Float64Array {
  const w = weights.get(name);
  if (!w) throw new Error(`reference GPT-2: weight "${name}" is missing`);
  return w;
}

function checkInputs(config: Gpt2Config, ids: readonly number[], hooks: Gpt2ForwardHooks | undefined): void {
  if (ids.length === 0) throw new Error('reference GPT-2: ids is empty');
  if (ids.length > config.nPositions) throw new Error(`reference GPT-2: ${ids.length} ids exceed n_positions=${config.nPositions}`);
  for (const id of ids) {
    if (!Number.isInteger(id) || id < 0 || id >= config.vocabSize) throw new Error(`reference GPT-2: id ${id} is outside 0..${config.vocabSize - 1}`);
  }
  if (!hooks) return;
  if (!Number.isInteger(hooks.layer) || hooks.layer < 0 || hooks.layer >= config.nLayer) {
    throw new Error(`reference GPT-2: hook layer ${hooks.layer} is outside 0..${config.nLayer - 1}`);
  }
  const delta = hooks.mlpOutDelta;
  if (delta) {
    if (!Number.isInteger(delta.row) || delta.row < 0 || delta.row >= ids.length) throw new Error(`reference GPT-2: delta row ${delta.row} is outside 0..${ids.length - 1}`);
    if (delta.delta.length !== config.nEmbd) throw new Error(`reference GPT-2: delta has length ${delta.delta.length}, expected n_embd=${config.nEmbd}`);
  }
}

/** Causal multi-head self-attention on qkv [T, 3d]; returns the concatenated heads [T, d]. */
export function causalSelfAttention(qkv: Float64Array, T: number, d: number, nHead: number): Float64Array {
  const hd = d / nHead;
  const scale = 1 / Math.sqrt(hd);
  const ctx = new Float64Array(T * d);
  const scores = new Float64Array(T);
  for (let h = 0; h < nHead; h++) {
    const qOff = h * hd;
    const kOff = d + h * hd;
    const vOff = 2 * d + h * hd;
    for (let t = 0; t < T; t++) {
      let max = -Infinity;
      for (let s = 0; s <= t; s++) {
        let dot = 0;
        for (let i = 0; i < hd; i++) dot += qkv[t * 3 * d + qOff + i]! * qkv[s * 3 * d + kOff + i]!;
        scores[s] = dot * scale;
        max = Math.max(max, scores[s]!);
      }
      let sum = 0;
      for (let s = 0; s <= t; s++) {
        scores[s] = Math.exp(scores[s]! - max);
        sum += scores[s]!;
      }
      for (let s = 0; s <= t; s++) {
        const a = scores[s]! / sum;
        for (let i = 0; i < hd; i++) ctx[t * d + qOff + i]! += a * qkv[s * 3 * d + vOff + i]!;
      }
    }
  }
  return ctx;
}

/** Runs GPT-2 on one sequence of ids. */
export function gpt2ForwardF64(config: Gpt2Config, weights: Gpt2WeightsF64, ids: readonly number[], options: Gpt2ForwardOptions = {}): Gpt2ForwardResult {
  const { hooks, keepLogits = false } = options;
  checkInputs(config, ids, hooks);
  const T = ids.length;
  const d = config.nEmbd;
  const f = config.nInner;
  const V = config.vocabSize;
  const eps = config.layerNormEpsilon;
  const result: Partial<Gpt2ForwardResult> = { T };

  // Token plus position embeddings.
  const wte = weight(weights, 'wte.weight');
  const wpe = weight(weights, 'wpe.weight');
  let h = new Float64Array(T * d);
  for (let t = 0; t < T; t++) {
    for (let i = 0; i < d; i++) h[t * d + i] = wte[ids[t]! * d + i]! + wpe[t * d + i]!;
  }
  const embed = h.slice();

  const residuals: Float64Array[] = [];
  for (let layer = 0; layer < config.nLayer; layer++) {
    const n = blockWeightNames(layer);
    const w = (name: string) => weight(weights, name);

    // Attention sub-block: h = h + c_proj(attn(ln_1(h))).
    const x1 = layerNorm(h, T, d, w(n.ln1Weight), w(n.ln1Bias), eps);
    const qkv = linear(x1, T, d, w(n.attnWeight), w(n.attnBias), 3 * d);
    const ctx = causalSelfAttention(qkv, T, d, config.nHead);
    const attnOut = linear(ctx, T, d, w(n.attnProjWeight), w(n.attnProjBias), d);
    h = h.map((v, i) => v + attnOut[i]!);

    // MLP sub-block: keys = gelu_new(c_fc(ln_2(h))), m = c_proj(keys), h = h + m.
    const x2 = layerNorm(h, T, d, w(n.ln2Weight), w(n.ln2Bias), eps);
    const keys = linear(x2, T, d, w(n.fcWeight), w(n.fcBias), f).map(geluNew);
    const mlpOut = linear(keys, T, f, w(n.mlpProjWeight), w(n.mlpProjBias), d);
    if (hooks?.layer === layer) {
      if (hooks.mlpOutDelta) {
        const { row, delta } = hooks.mlpOutDelta;
        for (let i = 0; i < d; i++) mlpOut[row * d + i]! += delta[i]!;
      }
      if (hooks.captureKeys) result.keys = keys;
      if (hooks.captureMlpOut) result.mlpOut = mlpOut.slice();
    }
    h = h.map((v, i) => v + mlpOut[i]!);
    residuals.push(h.slice());
  }

  // Tied LM head, reduced row by row so the [T, V] logits need not be kept.
  const hf = layerNorm(h, T, d, weight(weights, 'ln_f.weight'), weight(weights, 'ln_f.bias'), eps);
  const logits = keepLogits ? new Float64Array(T * V) : null;
  const row = new Float64Array(V);
  const logsumexp = new Float64Array(T);
  const argmax = new Int32Array(T);
  const nll = new Float64Array(T - 1);
  for (let t = 0; t < T; t++) {
    let best = 0;
    for (let v = 0; v < V; v++) {
      let dot = 0;
      for (let i = 0; i < d; i++) dot += hf[t * d + i]! * wte[v * d + i]!;
      row[v] = dot;
      if (dot > row[best]!) best = v;
    }
    argmax[t] = best;
    logsumexp[t] = logSumExp(row);
    if (t < T - 1) nll[t] = logsumexp[t]! - row[ids[t + 1]!]!;
    logits?.set(row, t * V);
  }

  return {
    ...result,
    T,
    embed,
    residuals,
    finalHidden: hf,
    logsumexp,
    argmax,
    nll,
    ...(logits ? { logits } : {}),
  };
}

/** exp(mean NLL) pooled over every predicted token of every sequence (spec §0). */
export function pooledPerplexity(nllPerSequence: readonly ArrayLike<number>[]): { meanNll: number; ppl: number; nPredicted: number } {
  let sum = 0;
  let nPredicted = 0;
  for (const nll of nllPerSequence) {
    for (let i = 0; i < nll.length; i++) sum += nll[i]!;
    nPredicted += nll.length;
  }
  const meanNll = sum / nPredicted;
  return { meanNll, ppl: Math.exp(meanNll), nPredicted };
}
