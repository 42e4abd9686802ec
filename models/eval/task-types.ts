// What every downstream task returns: a headline number (accuracy or exact
// match, in [0, 1]) for the curves, every metric it defines, and per-item
// details for inspection and tests.
import type { Gpt2Model } from '../gpt2/model.ts';
import type { Gpt2Tokenizer } from '../tokenizer/gpt2-tokenizer.ts';
import { gpuScoringModel, type ScoringModel } from './scoring-model.ts';

export interface TaskResult<ItemResult = unknown> {
  /** acc (LAMBADA, PIQA, HellaSwag, MMLU) or exact match (NQ-open, SQuAD). */
  accuracy: number;
  /** Every metric of the task by name (acc, acc_norm, ppl, em, f1, n, truncated, ...). */
  metrics: Record<string, number>;
  items: ItemResult[];
}

export interface TaskScoreOptions {
  signal?: AbortSignal;
  /** Fraction of the task done, in [0, 1]. */
  onProgress?: (fraction: number) => void;
}

export type ReadAsset = (path: string, signal?: AbortSignal) => Promise<string>;

/** A task scorer accepts the GPU model or any other ScoringModel (the CPU oracle, a fake). */
export type ModelLike = Gpt2Model | ScoringModel;

export function asScoringModel(m: ModelLike): ScoringModel {
  return 'nextTokens' in m ? m : gpuScoringModel(m);
}

export type { Gpt2Tokenizer };

export const mean = (xs: readonly number[]): number => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);
