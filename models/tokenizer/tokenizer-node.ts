// Node-only convenience: load the GPT-2 tokenizer from public/tokenizer/gpt2 on disk.
// Browsers fetch the same two files and call the Gpt2Tokenizer constructor directly.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Gpt2Tokenizer } from './gpt2-tokenizer.ts';

/** The repository's copy of encoder.json and vocab.bpe. */
export const DEFAULT_GPT2_TOKENIZER_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../public/tokenizer/gpt2');

export function loadGpt2TokenizerFromDir(dir: string = DEFAULT_GPT2_TOKENIZER_DIR): Gpt2Tokenizer {
  const encoderJson = JSON.parse(readFileSync(resolve(dir, 'encoder.json'), 'utf8')) as Record<string, number>;
  const vocabBpe = readFileSync(resolve(dir, 'vocab.bpe'), 'utf8');
  return new Gpt2Tokenizer(encoderJson, vocabBpe);
}
