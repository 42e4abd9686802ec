// Log-likelihood requests, as lm-evaluation-harness's loglikelihood():
// the summed log-probability of a continuation given its context (teacher
// forced), and whether greedy decoding would produce exactly it (every
// continuation token is the argmax given the tokens before it).
//
// Context length: a sequence longer than the model's context is cut from
// the LEFT, keeping its last nPositions tokens, so the continuation and the
// context nearest it survive. (The harness keeps max_length + 1 tokens since
// it never feeds the last one; our scorer feeds every token, so one fewer.)
import type { ScoreCallOptions, ScoringModel } from './scoring-model.ts';

export interface LoglikRequest {
  context: readonly number[];
  continuation: readonly number[];
}

export interface LoglikResult {
  /** Σ log p(continuation token | everything before it), in nats (≤ 0). */
  logLik: number;
  /** Every continuation token is the argmax. */
  greedy: boolean;
  /** Continuation tokens scored. */
  tokens: number;
  /** Context tokens dropped from the left to fit the model. */
  truncated: number;
}

/** The token sequence actually scored, and where the continuation starts in it. */
export function fitToContext(req: LoglikRequest, nPositions: number): { seq: number[]; contStart: number; truncated: number } {
  if (req.continuation.length === 0) throw new Error('loglikelihood: the continuation is empty');
  if (req.context.length === 0) throw new Error('loglikelihood: the context is empty (GPT-2 never scores a first token)');
  if (req.continuation.length >= nPositions) {
    throw new Error(`loglikelihood: a continuation of ${req.continuation.length} tokens does not fit a ${nPositions}-token context`);
  }
  const full = [...req.context, ...req.continuation];
  const truncated = Math.max(0, full.length - nPositions);
  return { seq: full.slice(truncated), contStart: req.context.length - truncated, truncated };
}

export async function loglikelihoods(lm: ScoringModel, reqs: readonly LoglikRequest[], opts: ScoreCallOptions = {}): Promise<LoglikResult[]> {
  const fitted = reqs.map((r) => fitToContext(r, lm.nPositions));
  const scores = await lm.score(
    fitted.map((f) => f.seq),
    opts,
  );
  return fitted.map((f, i) => {
    const s = scores[i]!;
    let logLik = 0;
    let greedy = true;
    // nll[t] scores token t+1: the continuation's tokens are t+1 = contStart .. end.
    for (let t = f.contStart - 1; t < f.seq.length - 1; t++) {
      logLik -= s.nll[t]!;
      if (s.argmax[t] !== f.seq[t + 1]) greedy = false;
    }
    return { logLik, greedy, tokens: f.seq.length - f.contStart, truncated: f.truncated };
  });
}
