// CounterFact edit metrics (evaluation.md "Edit metrics"), in two forms.
//
// ROME's probability form: for a prompt p, NLL_new(p) and NLL_true(p) are
// the mean per-token NLL of " "+target_new and " "+target_true after p
// (teacher forced).
//   efficacy        NLL_true > NLL_new on the rewrite prompt
//   generalization  the same on each paraphrase prompt, averaged within the case
//   specificity     NLL_true < NLL_new on each neighbourhood prompt, averaged within the case
//   score           harmonic mean of the three
// and the magnitudes exp(−NLL_new) − exp(−NLL_true) (specificity: true − new).
//
// EasyEdit's token-accuracy form (what the paper's code reports):
//   rewrite_acc   share of target_new tokens that are the argmax after the rewrite prompt (teacher forced)
//   rephrase_acc  the same on the paraphrase prompts
//   locality      share of " "+target_true positions after each neighbourhood prompt
//                 whose argmax is unchanged from before the first edit: it
//                 needs a LocalityCache taken from the unedited model.
// Across cases, every metric is the mean of the per-case values; the score
// of the means is the harmonic mean of the mean rates.
import type { CounterFactRecord } from '../data/counterfact.ts';
import { fill } from '../editing/subject-index.ts';
import type { Gpt2Tokenizer } from '../tokenizer/gpt2-tokenizer.ts';
import { fitToContext } from './loglik.ts';
import type { ScoreCallOptions, ScoringModel } from './scoring-model.ts';
import { mean } from './task-types.ts';

export interface EditCase {
  /** The rewrite prompt with "{}" for the subject. */
  prompt: string;
  subject: string;
  target_new: string;
  target_true: string;
  paraphrase_prompts: string[];
  neighborhood_prompts: string[];
}

/** Pre-edit argmax tokens on each neighbourhood prompt + " "+target_true (one list per prompt). */
export interface LocalityCache {
  argmax: number[][];
}

export interface EditMetrics {
  efficacy: number;
  efficacy_magnitude: number;
  generalization: number;
  generalization_magnitude: number;
  specificity: number;
  specificity_magnitude: number;
  /** Harmonic mean of efficacy, generalization and specificity. */
  score: number;
  rewrite_acc: number;
  rephrase_acc: number;
  /** null without a pre-edit cache. */
  locality: number | null;
}

export function counterFactCase(rec: CounterFactRecord): EditCase {
  const rw = rec.requested_rewrite;
  return {
    prompt: rw.prompt,
    subject: rw.subject,
    target_new: rw.target_new.str,
    target_true: rw.target_true.str,
    paraphrase_prompts: rec.paraphrase_prompts,
    neighborhood_prompts: rec.neighborhood_prompts,
  };
}

export function harmonicMean(xs: readonly number[]): number {
  if (xs.some((x) => !Number.isFinite(x))) return NaN;
  if (xs.some((x) => x <= 0)) return 0;
  return xs.length / xs.reduce((a, x) => a + 1 / x, 0);
}

const targetIds = (tok: Gpt2Tokenizer, t: string): number[] => tok.encode(t.startsWith(' ') ? t : ' ' + t);

/** A prompt followed by a target, and what teacher forcing says about the target's tokens. */
interface TargetScore {
  meanNll: number;
  argmax: number[];
  targets: number[];
}

async function scoreTargets(lm: ScoringModel, pairs: { prompt: number[]; target: number[] }[], opts: ScoreCallOptions): Promise<TargetScore[]> {
  const fitted = pairs.map((p) => fitToContext({ context: p.prompt, continuation: p.target }, lm.nPositions));
  const scores = await lm.score(
    fitted.map((f) => f.seq),
    opts,
  );
  return fitted.map((f, i) => {
    const s = scores[i]!;
    const from = f.contStart - 1;
    const to = f.seq.length - 1;
    let nll = 0;
    for (let t = from; t < to; t++) nll += s.nll[t]!;
    return { meanNll: nll / (to - from), argmax: Array.from(s.argmax.slice(from, to)), targets: f.seq.slice(from + 1) };
  });
}

function tokenAccuracy(s: TargetScore): number {
  return mean(s.argmax.map((a, i) => (a === s.targets[i] ? 1 : 0)));
}

/** Take before the first edit: the unedited model's argmax on the neighbourhood prompts' true objects (all cases in one batch). */
export async function localityCaches(lm: ScoringModel, tok: Gpt2Tokenizer, cases: readonly EditCase[], opts: ScoreCallOptions = {}): Promise<LocalityCache[]> {
  const pairs = cases.map((c) => {
    const tTrue = targetIds(tok, c.target_true);
    return c.neighborhood_prompts.map((p) => ({ prompt: tok.encode(p), target: tTrue }));
  });
  const s = await scoreTargets(lm, pairs.flat(), opts);
  let k = 0;
  return pairs.map((ps) => ({ argmax: s.slice(k, (k += ps.length)).map((x) => x.argmax) }));
}

/** The metrics of one case on the model as it is now. */
export async function editMetrics(lm: ScoringModel, tok: Gpt2Tokenizer, c: EditCase, cache: LocalityCache | null = null, opts: ScoreCallOptions = {}): Promise<EditMetrics> {
  const tNew = targetIds(tok, c.target_new);
  const tTrue = targetIds(tok, c.target_true);
  const prompts = [fill(c.prompt, c.subject), ...c.paraphrase_prompts, ...c.neighborhood_prompts].map((p) => tok.encode(p));
  const s = await scoreTargets(
    lm,
    prompts.flatMap((p) => [
      { prompt: p, target: tNew },
      { prompt: p, target: tTrue },
    ]),
    opts,
  );
  const at = (k: number) => ({ n: s[2 * k]!, t: s[2 * k + 1]! });
  const nPara = c.paraphrase_prompts.length;
  const rewrite = at(0);
  const para = Array.from({ length: nPara }, (_, i) => at(1 + i));
  const neigh = c.neighborhood_prompts.map((_, i) => at(1 + nPara + i));
  const gap = (x: { n: TargetScore; t: TargetScore }) => Math.exp(-x.n.meanNll) - Math.exp(-x.t.meanNll);

  if (cache && cache.argmax.length !== neigh.length) throw new Error(`locality cache has ${cache.argmax.length} prompts, the case ${neigh.length}`);
  const m = {
    efficacy: rewrite.t.meanNll > rewrite.n.meanNll ? 1 : 0,
    efficacy_magnitude: gap(rewrite),
    generalization: mean(para.map((x) => (x.t.meanNll > x.n.meanNll ? 1 : 0))),
    generalization_magnitude: mean(para.map(gap)),
    specificity: mean(neigh.map((x) => (x.t.meanNll < x.n.meanNll ? 1 : 0))),
    specificity_magnitude: mean(neigh.map((x) => -gap(x))),
    rewrite_acc: tokenAccuracy(rewrite.n),
    rephrase_acc: mean(para.map((x) => tokenAccuracy(x.n))),
    locality: cache ? mean(neigh.map((x, i) => mean(x.t.argmax.map((a, j) => (a === cache.argmax[i]![j] ? 1 : 0))))) : null,
  };
  return { ...m, score: harmonicMean([m.efficacy, m.generalization, m.specificity]) };
}

/** Mean of per-case metrics; the score is the harmonic mean of the mean rates. */
export function meanEditMetrics(per: readonly EditMetrics[]): EditMetrics {
  const avg = (k: keyof EditMetrics) => mean(per.map((p) => p[k] as number));
  const loc = per.every((p) => p.locality !== null) ? avg('locality') : null;
  const m = {
    efficacy: avg('efficacy'),
    efficacy_magnitude: avg('efficacy_magnitude'),
    generalization: avg('generalization'),
    generalization_magnitude: avg('generalization_magnitude'),
    specificity: avg('specificity'),
    specificity_magnitude: avg('specificity_magnitude'),
    rewrite_acc: avg('rewrite_acc'),
    rephrase_acc: avg('rephrase_acc'),
    locality: loc,
  };
  return { ...m, score: harmonicMean([m.efficacy, m.generalization, m.specificity]) };
}
