// ME-PPL (the Butterfly Effect paper's perplexity probe): [{"Corpus", "Text"}].
import { parseJsonRecords } from './records.ts';

export interface MePplRecord {
  Corpus: string;
  Text: string;
}

export function parseMePpl(text: string, file = 'ME-PPL.json'): MePplRecord[] {
  return parseJsonRecords(text, file, (r) => ({ Corpus: r.string('Corpus'), Text: r.string('Text', { nonEmpty: true }) }));
}
