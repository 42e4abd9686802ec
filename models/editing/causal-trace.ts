// Causal tracing (Meng et al. 2022, "Locating and Editing Factual Associations
// in GPT", §2.1): corrupt the subject's token embeddings with Gaussian noise,
// then restore one clean activation at a time and measure how much of the
// correct answer's probability comes back. The indirect effect of the MLP
// output at the subject's last token, per layer, is what ROME uses to pick the
// layer to edit.
//
// Float64 on the CPU, on the reference model's weights: the restored runs only
// need the last position's probability of one token, and re-run only the
// blocks above the restored one. Fast for the demo model (seconds per fact);
// minutes per fact at GPT-2-small's shape.
import type { Gpt2Config } from '../gpt2/config.ts';
import { blockWeightNames } from '../gpt2/weights.ts';
import { geluNew, layerNorm, linear, logSumExp } from '../reference/gpt2-math.ts';
import { causalSelfAttention, type Gpt2WeightsF64 } from '../reference/gpt2.ts';
import { seededRandom } from '../util/random.ts';

/** ROME's token groups, in the order of its heat maps. */
export const TRACE_GROUPS = ['first subject token', 'middle subject tokens', 'last subject token', 'first subsequent token', 'further tokens', 'last token'] as const;

export interface TraceCase {
  /** Prompt token ids (the subject filled in). */
  ids: number[];
  /** Subject tokens are ids[subjectStart .. subjectEnd). */
  subjectStart: number;
  subjectEnd: number;
  /** The answer's first token id. */
  target: number;
}

export interface TraceOptions {
  /** Noise samples per case (ROME: 10). */
  samples?: number;
  /** Noise standard deviation; ROME uses 3 × the std of subject token embeddings. */
  noiseStd: number;
  seed?: number;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

export interface CaseTrace {
  /** The model's clean top-1 is the target (if not, nothing else was computed). */
  known: boolean;
  pClean: number;
  pCorrupt: number;
  /** [layer][token] probability of the target with the hidden state (block output) restored. */
  hidden: number[][];
  /** [layer][token] probability with the MLP output restored. */
  mlp: number[][];
}

export interface TraceSummary {
  groups: readonly string[];
  layers: number;
  cases: number;
  /** Cases left out: the model did not rank the answer first on the clean prompt, or noise did not lower it. */
  skipped: number;
  pClean: number;
  pCorrupt: number;
  /** [group][layer] average indirect effect (restored − corrupted probability). */
  hidden: number[][];
  mlp: number[][];
  /** The layer whose MLP at the last subject token has the largest average indirect effect. */
  bestLayer: number;
}

type Weights = Gpt2WeightsF64;

function w(weights: Weights, name: string): Float64Array {
  const t = weights.get(name);
  if (!t) throw new Error(`causal trace: weight "${name}" is missing`);
  return t;
}

/** One block on h [T, d]; returns the new residual and the MLP output (before it is added). */
function block(config: Gpt2Config, weights: Weights, layer: number, h: Float64Array, T: number, mlpOverride?: (mlpOut: Float64Array) => void): { h: Float64Array; mlpOut: Float64Array } {
  const d = config.nEmbd;
  const f = config.nInner;
  const eps = config.layerNormEpsilon;
  const n = blockWeightNames(layer);
  const x1 = layerNorm(h, T, d, w(weights, n.ln1Weight), w(weights, n.ln1Bias), eps);
  const qkv = linear(x1, T, d, w(weights, n.attnWeight), w(weights, n.attnBias), 3 * d);
  const att = linear(causalSelfAttention(qkv, T, d, config.nHead), T, d, w(weights, n.attnProjWeight), w(weights, n.attnProjBias), d);
  const mid = h.map((v, i) => v + att[i]!);
  const x2 = layerNorm(mid, T, d, w(weights, n.ln2Weight), w(weights, n.ln2Bias), eps);
  const keys = linear(x2, T, d, w(weights, n.fcWeight), w(weights, n.fcBias), f).map(geluNew);
  const mlpOut = linear(keys, T, f, w(weights, n.mlpProjWeight), w(weights, n.mlpProjBias), d);
  mlpOverride?.(mlpOut);
  return { h: mid.map((v, i) => v + mlpOut[i]!), mlpOut };
}

/** Probability of `target` after the last position of residual h [T, d]. */
function lastTokenProb(config: Gpt2Config, weights: Weights, h: Float64Array, T: number, target: number): number {
  return lastToken(config, weights, h, T, target).p;
}

function lastToken(config: Gpt2Config, weights: Weights, h: Float64Array, T: number, target: number): { p: number; argmax: number } {
  const d = config.nEmbd;
  const last = layerNorm(h.subarray((T - 1) * d, T * d), 1, d, w(weights, 'ln_f.weight'), w(weights, 'ln_f.bias'), config.layerNormEpsilon);
  const wte = w(weights, 'wte.weight');
  const logits = new Float64Array(config.vocabSize);
  for (let v = 0; v < config.vocabSize; v++) {
    let dot = 0;
    for (let i = 0; i < d; i++) dot += last[i]! * wte[v * d + i]!;
    logits[v] = dot;
  }
  let argmax = 0;
  for (let v = 1; v < logits.length; v++) if (logits[v]! > logits[argmax]!) argmax = v;
  return { p: Math.exp(logits[target]! - logSumExp(logits)), argmax };
}

function embed(config: Gpt2Config, weights: Weights, ids: readonly number[]): Float64Array {
  const d = config.nEmbd;
  const wte = w(weights, 'wte.weight');
  const wpe = w(weights, 'wpe.weight');
  const h = new Float64Array(ids.length * d);
  ids.forEach((id, t) => {
    for (let i = 0; i < d; i++) h[t * d + i] = wte[id * d + i]! + wpe[t * d + i]!;
  });
  return h;
}

/** Standard deviation of the token embeddings of the given ids (ROME's noise scale is 3× this). */
export function embeddingStd(config: Gpt2Config, weights: Weights, ids: readonly number[]): number {
  const d = config.nEmbd;
  const wte = w(weights, 'wte.weight');
  let sum = 0;
  let sq = 0;
  for (const id of ids) {
    for (let i = 0; i < d; i++) {
      const v = wte[id * d + i]!;
      sum += v;
      sq += v * v;
    }
  }
  const n = ids.length * d;
  return Math.sqrt(Math.max(0, sq / n - (sum / n) ** 2));
}

function gaussian(rand: () => number): number {
  const u = Math.max(rand(), 1e-300);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
}

/** Trace one case: probabilities with each (layer, token) hidden state or MLP output restored. */
export function traceCase(config: Gpt2Config, weights: Weights, c: TraceCase, opts: TraceOptions): CaseTrace {
  const { ids, target } = c;
  const T = ids.length;
  const d = config.nEmbd;
  const L = config.nLayer;
  const samples = opts.samples ?? 10;
  const rand = seededRandom(opts.seed ?? 0);

  // Clean run: every block's output and MLP output.
  const cleanH: Float64Array[] = [];
  const cleanMlp: Float64Array[] = [];
  let h = embed(config, weights, ids);
  for (let l = 0; l < L; l++) {
    const r = block(config, weights, l, h, T);
    h = r.h;
    cleanH.push(h);
    cleanMlp.push(r.mlpOut);
  }
  const clean = lastToken(config, weights, h, T, target);
  const pClean = clean.p;

  const hidden = Array.from({ length: L }, () => new Array<number>(T).fill(0));
  const mlp = Array.from({ length: L }, () => new Array<number>(T).fill(0));
  let pCorrupt = 0;
  if (clean.argmax !== target) return { known: false, pClean, pCorrupt: pClean, hidden, mlp };
  const run = (from: Float64Array, l0: number): number => {
    let x = from;
    for (let l = l0; l < L; l++) x = block(config, weights, l, x, T).h;
    return lastTokenProb(config, weights, x, T, target);
  };
  for (let s = 0; s < samples; s++) {
    opts.signal?.throwIfAborted();
    // The same noise for every restored run of this sample, as in ROME.
    const h0 = embed(config, weights, ids);
    for (let t = c.subjectStart; t < c.subjectEnd; t++) for (let i = 0; i < d; i++) h0[t * d + i]! += opts.noiseStd * gaussian(rand);
    // Corrupted run, keeping each block's input.
    const inputs: Float64Array[] = [h0];
    for (let l = 0; l < L; l++) inputs.push(block(config, weights, l, inputs[l]!, T).h);
    pCorrupt += lastTokenProb(config, weights, inputs[L]!, T, target) / samples;
    for (let l = 0; l < L; l++) {
      for (let t = 0; t < T; t++) {
        // Hidden state: block l's output at token t set to its clean value.
        const restored = inputs[l + 1]!.slice();
        restored.set(cleanH[l]!.subarray(t * d, (t + 1) * d), t * d);
        hidden[l]![t]! += run(restored, l + 1) / samples;
        // MLP output: block l recomputed with its MLP output at t set to the clean one.
        const withMlp = block(config, weights, l, inputs[l]!, T, (m) => m.set(cleanMlp[l]!.subarray(t * d, (t + 1) * d), t * d)).h;
        mlp[l]![t]! += run(withMlp, l + 1) / samples;
      }
    }
  }
  return { known: true, pClean, pCorrupt, hidden, mlp };
}

/** ROME's groups a token belongs to (none for a prefix before the subject; a one-token subject is both first and last). */
export function tokenGroups(t: number, c: Pick<TraceCase, 'ids' | 'subjectStart' | 'subjectEnd'>): number[] {
  const T = c.ids.length;
  const g: number[] = [];
  if (t === c.subjectStart) g.push(0);
  if (t > c.subjectStart && t < c.subjectEnd - 1) g.push(1);
  if (t === c.subjectEnd - 1) g.push(2);
  if (t === T - 1) g.push(5);
  else if (t === c.subjectEnd) g.push(3);
  else if (t > c.subjectEnd) g.push(4);
  return g;
}

/** Trace every case and average the indirect effects per token group and layer. */
export function causalTrace(config: Gpt2Config, weights: Weights, cases: readonly TraceCase[], opts: TraceOptions): TraceSummary {
  const G = TRACE_GROUPS.length;
  const L = config.nLayer;
  const sums = { hidden: zeros(G, L), mlp: zeros(G, L) };
  const counts = zeros(G, L);
  let used = 0;
  let pClean = 0;
  let pCorrupt = 0;
  cases.forEach((c, i) => {
    const r = traceCase(config, weights, c, { ...opts, seed: (opts.seed ?? 0) + i });
    opts.onProgress?.(i + 1, cases.length);
    // As in ROME's averages: only cases the model knows and that noise disturbs.
    if (!r.known || r.pCorrupt >= r.pClean) return;
    used++;
    pClean += r.pClean;
    pCorrupt += r.pCorrupt;
    for (let t = 0; t < c.ids.length; t++) {
      for (const g of tokenGroups(t, c)) for (let l = 0; l < L; l++) {
        // Several tokens can fall in one group (middle, further): average them per case.
        const k = groupSize(g, c);
        sums.hidden[g]![l]! += (r.hidden[l]![t]! - r.pCorrupt) / k;
        sums.mlp[g]![l]! += (r.mlp[l]![t]! - r.pCorrupt) / k;
        counts[g]![l]! += 1 / k;
      }
    }
  });
  const avg = (m: number[][]) => m.map((row, g) => row.map((v, l) => (counts[g]![l]! > 0 ? v / counts[g]![l]! : 0)));
  const mlp = avg(sums.mlp);
  const last = mlp[2]!;
  const bestLayer = last.indexOf(Math.max(...last));
  return {
    groups: TRACE_GROUPS,
    layers: L,
    cases: used,
    skipped: cases.length - used,
    pClean: used ? pClean / used : 0,
    pCorrupt: used ? pCorrupt / used : 0,
    hidden: avg(sums.hidden),
    mlp,
    bestLayer,
  };
}

function groupSize(g: number, c: Pick<TraceCase, 'ids' | 'subjectStart' | 'subjectEnd'>): number {
  let k = 0;
  for (let t = 0; t < c.ids.length; t++) if (tokenGroups(t, c).includes(g)) k++;
  return k;
}

function zeros(a: number, b: number): number[][] {
  return Array.from({ length: a }, () => new Array<number>(b).fill(0));
}
