// Multiple choice by log-likelihood (lm-evaluation-harness): each choice is a
// continuation of the context (joined by a space), scored by its summed
// log-likelihood. acc: the argmax is the label. acc_norm: the argmax of
// log-likelihood divided by the choice's length in UTF-8 bytes (the spec asks
// for bytes; the harness's len() of the choice string, without the joining
// space, is what the length is taken of). Ties go to the first choice (numpy argmax).
import type { Gpt2Tokenizer } from '../tokenizer/gpt2-tokenizer.ts';
import { encodePair, utf8Length } from './encode-pair.ts';
import { loglikelihoods, type LoglikRequest } from './loglik.ts';
import type { ScoringModel } from './scoring-model.ts';
import { mean, type TaskResult, type TaskScoreOptions } from './task-types.ts';

export interface ChoiceQuestion {
  context: string;
  choices: string[];
  label: number;
}

export interface ChoiceDecision {
  logLiks: number[];
  byteLengths: number[];
  pred: number;
  predNorm: number;
  acc: number;
  accNorm: number;
  /** Context tokens dropped from the left (the longest of the choices). */
  truncated: number;
}

function argmax(xs: readonly number[]): number {
  let best = 0;
  for (let i = 1; i < xs.length; i++) if (xs[i]! > xs[best]!) best = i;
  return best;
}

/** The decision from known log-likelihoods: pure, so tests can feed it numbers. */
export function decideChoice(logLiks: readonly number[], choices: readonly string[], label: number): Omit<ChoiceDecision, 'truncated'> {
  const byteLengths = choices.map(utf8Length);
  const pred = argmax(logLiks);
  // An empty choice has no length to divide by: it then competes on its raw log-likelihood.
  const predNorm = argmax(logLiks.map((l, i) => l / Math.max(1, byteLengths[i]!)));
  return { logLiks: [...logLiks], byteLengths, pred, predNorm, acc: pred === label ? 1 : 0, accNorm: predNorm === label ? 1 : 0 };
}

export function choiceRequests(tok: Gpt2Tokenizer, q: ChoiceQuestion, delimiter = ' '): LoglikRequest[] {
  return q.choices.map((c) => encodePair(tok, q.context, delimiter + c));
}

export async function scoreMultipleChoice(lm: ScoringModel, tok: Gpt2Tokenizer, qs: readonly ChoiceQuestion[], opts: TaskScoreOptions = {}): Promise<TaskResult<ChoiceDecision>> {
  const perQ = qs.map((q) => choiceRequests(tok, q));
  const flat = perQ.flat();
  const results = await loglikelihoods(lm, flat, { signal: opts.signal, onProgress: (d, n) => opts.onProgress?.(d / n) });
  let k = 0;
  const items = qs.map((q, i) => {
    const rs = results.slice(k, (k += perQ[i]!.length));
    return { ...decideChoice(rs.map((r) => r.logLik), q.choices, q.label), truncated: Math.max(...rs.map((r) => r.truncated)) };
  });
  const acc = mean(items.map((d) => d.acc));
  return {
    accuracy: acc,
    metrics: { acc, acc_norm: mean(items.map((d) => d.accNorm)), n: items.length, truncated: items.filter((d) => d.truncated > 0).length },
    items,
  };
}
