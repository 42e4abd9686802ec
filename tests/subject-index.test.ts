import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fill, subjectLastIndex, wrap } from '../models/editing/subject-index.ts';
import { loadGpt2TokenizerFromDir } from '../models/tokenizer/tokenizer-node.ts';

const rome = JSON.parse(readFileSync('tests/fixtures/tiny-gpt2/rome.json', 'utf8'));

describe('subject-last token index', () => {
  const tok = loadGpt2TokenizerFromDir();
  it('matches every key context and v* prompt of rome.json', () => {
    const subject: string = rome.request.subject;
    for (const kc of rome.key_contexts) {
      expect(subjectLastIndex(tok, kc.template, subject)).toBe(kc.subject_last_idx);
      expect(tok.encode(fill(kc.template, subject))).toEqual(kc.ids);
    }
    for (const p of rome.v.prompts) {
      expect(subjectLastIndex(tok, p.template, subject)).toBe(p.lookup_idx);
      expect(tok.encode(fill(p.template, subject))).toEqual(p.ids);
    }
  });

  it('builds key templates by wrapping the prompt in each context', () => {
    rome.context_templates.forEach((c: { template: string }, i: number) => {
      expect(wrap(c.template, rome.request.prompt)).toBe(rome.key_contexts[i].template);
    });
  });

  it('refuses templates without exactly one {} or a prefix not ending in a space', () => {
    expect(() => subjectLastIndex(tok, 'no brace', 'x')).toThrow(/exactly one/);
    expect(() => subjectLastIndex(tok, 'A{}', 'x')).toThrow(/end with a space/);
    expect(subjectLastIndex(tok, '{} is', 'Paris')).toBe(0); // the collapse-prone case
  });
});
