// ScoringModels for the task-scorer tests: the float64 CPU reference GPT-2
// (an independent oracle for the GPU engine) and a fake whose next-token
// log-probabilities are a known function of the previous token.
import type { Gpt2Config } from '../../models/gpt2/config.ts';
import type { ScoringModel, SequenceScores } from '../../models/eval/scoring-model.ts';
import { gpt2ForwardF64, type Gpt2WeightsF64 } from '../../models/reference/gpt2.ts';

export function referenceScoringModel(config: Gpt2Config, weights: Gpt2WeightsF64): ScoringModel {
  return {
    nPositions: config.nPositions,
    score: async (seqs) =>
      seqs.map((s) => {
        const r = gpt2ForwardF64(config, weights, s);
        return { nll: Float64Array.from(r.nll), argmax: Uint32Array.from(r.argmax.slice(0, s.length - 1)) };
      }),
    nextTokens: async (prompts) => prompts.map((p) => gpt2ForwardF64(config, weights, p).argmax[p.length - 1]!),
  };
}

/**
 * A model with known numbers: log p(next | prev) = logp(prev, next) whatever
 * came earlier, and the argmax after `prev` is argmax(prev). Records every
 * sequence and prompt it was given, to check truncation and batching.
 */
export function fakeScoringModel(
  logp: (prev: number, next: number) => number,
  argmax: (prev: number) => number,
  nPositions = 64,
): ScoringModel & { scored: number[][]; prompted: number[][] } {
  const scored: number[][] = [];
  const prompted: number[][] = [];
  return {
    nPositions,
    scored,
    prompted,
    score: async (seqs) =>
      seqs.map((s): SequenceScores => {
        scored.push([...s]);
        const nll = new Float64Array(s.length - 1);
        const am = new Uint32Array(s.length - 1);
        for (let t = 0; t + 1 < s.length; t++) {
          nll[t] = -logp(s[t]!, s[t + 1]!);
          am[t] = argmax(s[t]!);
        }
        return { nll, argmax: am };
      }),
    nextTokens: async (prompts) =>
      prompts.map((p) => {
        prompted.push([...p]);
        return argmax(p[p.length - 1]!);
      }),
  };
}
