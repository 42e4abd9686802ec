// Greedy generation for the QA tasks: up to maxNewTokens argmax tokens per
// prompt, stopping a prompt early once its decoded text holds a stop string
// (the harness's `until`). Prompts are cut from the LEFT so that prompt plus
// answer fit the context (the question, at the end, is what must survive).
import type { Gpt2Tokenizer } from '../tokenizer/gpt2-tokenizer.ts';
import type { ScoringModel } from './scoring-model.ts';
import { END_OF_TEXT_ID } from '../defaults.ts';

export interface GreedyOptions {
  maxNewTokens: number;
  /** Stop strings: the answer is the text before the first one. */
  until: readonly string[];
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

export interface Generation {
  /** Decoded answer, cut at the first stop string. */
  text: string;
  tokens: number[];
  /** Prompt tokens dropped from the left. */
  truncated: number;
}

const EOS = END_OF_TEXT_ID;

export function cutAtStop(text: string, until: readonly string[]): { text: string; stopped: boolean } {
  let end = text.length;
  for (const u of until) {
    const i = text.indexOf(u);
    if (i >= 0 && i < end) end = i;
  }
  return { text: text.slice(0, end), stopped: end < text.length };
}

export async function greedyGenerate(lm: ScoringModel, tok: Gpt2Tokenizer, prompts: readonly (readonly number[])[], opts: GreedyOptions): Promise<Generation[]> {
  const room = lm.nPositions - opts.maxNewTokens;
  if (room < 1) throw new Error(`greedy generation: ${opts.maxNewTokens} new tokens do not fit a ${lm.nPositions}-token context`);
  const seqs = prompts.map((p) => {
    if (p.length === 0) throw new Error('greedy generation: a prompt is empty');
    return p.slice(Math.max(0, p.length - room));
  });
  const out: Generation[] = prompts.map((p, i) => ({ text: '', tokens: [], truncated: p.length - seqs[i]!.length }));
  if (lm.greedy) {
    // One prefill per prompt and one row per new token (key/value cache); EOS ends an answer and is not part of it.
    const tokens = await lm.greedy(seqs, {
      maxNewTokens: opts.maxNewTokens,
      stopWhen: (_, added) => cutAtStop(tok.decode(added), opts.until).stopped,
      signal: opts.signal,
      onProgress: opts.onProgress,
    });
    tokens.forEach((t, i) => (out[i]!.tokens = t.at(-1) === EOS ? t.slice(0, -1) : t));
    for (const g of out) g.text = cutAtStop(tok.decode(g.tokens), opts.until).text;
    return out;
  }
  let live = seqs.map((_, i) => i);
  for (let step = 0; step < opts.maxNewTokens && live.length; step++) {
    opts.signal?.throwIfAborted();
    const next = await lm.nextTokens(
      live.map((i) => [...seqs[i]!, ...out[i]!.tokens]),
      opts.signal,
    );
    live = live.filter((i, b) => {
      const g = out[i]!;
      const t = next[b]!;
      if (t === EOS) return false;
      g.tokens.push(t);
      return !cutAtStop(tok.decode(g.tokens), opts.until).stopped;
    });
    opts.onProgress?.(step + 1, opts.maxNewTokens);
  }
  for (const g of out) g.text = cutAtStop(tok.decode(g.tokens), opts.until).text;
  return out;
}
