// Context/continuation tokenisation as lm-evaluation-harness's _encode_pair:
// trailing whitespace of the context moves to the front of the continuation,
// the pair is encoded whole, and the continuation is what follows the
// context's own tokens. (For GPT-2's BPE this almost always equals encoding
// the two parts separately.)
import type { Gpt2Tokenizer } from '../tokenizer/gpt2-tokenizer.ts';
import type { LoglikRequest } from './loglik.ts';

export function encodePair(tok: Gpt2Tokenizer, context: string, continuation: string): LoglikRequest {
  const trimmed = context.replace(/\s+$/u, '');
  const moved = context.slice(trimmed.length);
  const cont = moved + continuation;
  const whole = tok.encode(trimmed + cont);
  const ctx = tok.encode(trimmed);
  return { context: whole.slice(0, ctx.length), continuation: whole.slice(ctx.length) };
}

/** UTF-8 byte length: acc_norm's denominator. */
export function utf8Length(s: string): number {
  return new TextEncoder().encode(s).length;
}
