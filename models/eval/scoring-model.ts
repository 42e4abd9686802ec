// What the task scorers need from a language model, and nothing more:
// teacher-forced per-token NLL + argmax of whole sequences, and the greedy
// next token after a prompt. The GPU engine is one implementation; tests
// plug in the float64 CPU reference or a fake with known log-likelihoods.
import { generate } from '../gpt2/generate.ts';
import type { Gpt2Model } from '../gpt2/model.ts';
import { scoreSequences, type SequenceScores } from '../gpt2/score.ts';

export type { SequenceScores };

export interface ScoreCallOptions {
  signal?: AbortSignal;
  /** Sequences done so far of `total`. */
  onProgress?: (done: number, total: number) => void;
}

export interface ScoringModel {
  /** Positions the model can attend to (GPT-2: 1024; the demo model: 128). */
  readonly nPositions: number;
  /** nll[i], argmax[i]: predicting token i+1 of each sequence (as models/gpt2/score.ts). */
  score(seqs: readonly (readonly number[])[], opts?: ScoreCallOptions): Promise<SequenceScores[]>;
  /** The argmax next token after each prompt (each shorter than nPositions). */
  nextTokens(prompts: readonly (readonly number[])[], signal?: AbortSignal): Promise<number[]>;
  /**
   * Greedy continuations in one go (a model with a key/value cache): up to
   * maxNewTokens per prompt, a prompt stopping at EOS (kept) or once
   * stopWhen says so. Optional: without it, callers loop over nextTokens.
   */
  greedy?(prompts: readonly (readonly number[])[], opts: GreedyCallOptions): Promise<number[][]>;
}

export interface GreedyCallOptions {
  maxNewTokens: number;
  stopWhen?: (i: number, added: readonly number[]) => boolean;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

/** Most rows (batch × length) per forward pass, as scoreSequences' default. */
export const MAX_ROWS = 1024;

export function gpuScoringModel(model: Gpt2Model): ScoringModel {
  return {
    nPositions: model.config.nPositions,
    score: (seqs, opts = {}) => scoreSequences(model, seqs, { maxRows: MAX_ROWS, signal: opts.signal, onProgress: opts.onProgress }),
    nextTokens: async (prompts, signal) => {
      const out: number[] = [];
      // generate() runs all prompts as one batch: bound the rows like the scorer does.
      for (const group of rowBoundedGroups(prompts, MAX_ROWS)) {
        const next = await generate(model, group, { maxNewTokens: 1, stopAtEos: false, signal });
        for (const n of next) out.push(n[0]!);
      }
      return out;
    },
    greedy: async (prompts, o) => {
      const out: number[][] = [];
      // A group's rows are its prompts' lengths plus the tokens to come.
      const groups = rowBoundedGroups(prompts.map((p, i) => ({ i, p, length: p.length + o.maxNewTokens })), MAX_ROWS);
      for (const [g, group] of groups.entries()) {
        const res = await generate(model, group.map((x) => x.p), {
          maxNewTokens: o.maxNewTokens,
          stopAtEos: true,
          stopWhen: o.stopWhen && ((k, added) => o.stopWhen!(group[k]!.i, added)),
          onStep: (s) => o.onProgress?.(g * o.maxNewTokens + s, groups.length * o.maxNewTokens),
          signal: o.signal,
        });
        out.push(...res);
      }
      return out;
    },
  };
}

/** Consecutive groups whose batch × longest length stays within maxRows (at least one each). */
export function rowBoundedGroups<T extends { length: number }>(items: readonly T[], maxRows: number): T[][] {
  const groups: T[][] = [];
  let cur: T[] = [];
  let longest = 0;
  for (const it of items) {
    const l = Math.max(longest, it.length);
    if (cur.length && (cur.length + 1) * l > maxRows) {
      groups.push(cur);
      cur = [];
      longest = 0;
    }
    cur.push(it);
    longest = Math.max(longest, it.length);
  }
  if (cur.length) groups.push(cur);
  return groups;
}
