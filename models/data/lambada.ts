// LAMBADA, OpenAI's detokenised test set as re-packaged by MosaicML:
// {"context": passage without its last word, "continuation": the last word}.
import { parseJsonLines } from './records.ts';

export interface LambadaItem {
  context: string;
  /** The target word, without its leading space. */
  continuation: string;
}

export function parseLambada(text: string, file = 'lambada.jsonl'): LambadaItem[] {
  return parseJsonLines(text, file, (r) => ({
    context: r.string('context', { nonEmpty: true }),
    continuation: r.string('continuation', { nonEmpty: true }),
  }));
}
