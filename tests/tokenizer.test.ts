// GPT-2 BPE: exact ids of every text in the golden fixtures, ids from openai/gpt-2's
// reference encoder on tricky strings, lossless round trips, and speed.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { END_OF_TEXT_ID, type Gpt2Tokenizer } from '../models/tokenizer/gpt2-tokenizer.ts';
import { pretokenize } from '../models/tokenizer/pretokenize.ts';
import { loadGpt2TokenizerFromDir } from '../models/tokenizer/tokenizer-node.ts';
import { BYTE_TO_CHAR, CHAR_TO_BYTE } from '../models/tokenizer/byte-unicode.ts';

const FIXTURES = new URL('./fixtures/', import.meta.url);
const readJson = (name: string): unknown => JSON.parse(readFileSync(new URL(name, FIXTURES), 'utf8'));

interface TextIds {
  where: string;
  text: string;
  ids: number[];
}

// Field pairs (text field, ids field) used by forward.json, rome.json and sequential.json.
const PAIRS: [string, string][] = [
  ['text', 'ids'],
  ['prefix_without_trailing_space', 'prefix_ids'],
  ['prompt_text', 'prompt_ids'],
  ['target_new_str', 'target_new_ids'],
  ['target_true_str', 'target_true_ids'],
  ['subject', 'subject_ids_no_space'],
];

function collectPairs(node: unknown, where: string, out: TextIds[]): void {
  if (Array.isArray(node)) {
    node.forEach((child, i) => collectPairs(child, `${where}[${i}]`, out));
  } else if (node !== null && typeof node === 'object') {
    const obj = node as Record<string, unknown>;
    for (const [textKey, idsKey] of PAIRS) {
      if (typeof obj[textKey] === 'string' && Array.isArray(obj[idsKey])) {
        out.push({ where: `${where}.${idsKey}`, text: obj[textKey] as string, ids: obj[idsKey] as number[] });
      }
    }
    for (const [k, v] of Object.entries(obj)) collectPairs(v, `${where}.${k}`, out);
  }
}

let tok: Gpt2Tokenizer;
beforeAll(() => {
  tok = loadGpt2TokenizerFromDir();
});

describe('byte table', () => {
  it('maps all 256 bytes to distinct characters and back', () => {
    expect(new Set(BYTE_TO_CHAR).size).toBe(256);
    BYTE_TO_CHAR.forEach((c, b) => expect(CHAR_TO_BYTE.get(c.charCodeAt(0))).toBe(b));
    expect(BYTE_TO_CHAR[0x20]).toBe('Ġ');
    expect(BYTE_TO_CHAR[0x0a]).toBe('Ċ');
    expect(BYTE_TO_CHAR[0x41]).toBe('A');
  });
});

describe('golden fixture ids', () => {
  for (const file of ['forward.json', 'rome.json', 'sequential.json']) {
    it(`matches every text/ids pair in ${file}`, () => {
      const pairs: TextIds[] = [];
      collectPairs(readJson(`tiny-gpt2/${file}`), file, pairs);
      expect(pairs.length).toBeGreaterThan(2);
      for (const p of pairs) {
        expect({ where: p.where, ids: tok.encode(p.text) }).toEqual({ where: p.where, ids: p.ids });
        expect(tok.decode(p.ids)).toBe(p.text);
      }
    });
  }

  it('finds the pairs it should in rome.json', () => {
    const pairs: TextIds[] = [];
    collectPairs(readJson('tiny-gpt2/rome.json'), 'rome', pairs);
    const fields = new Set(pairs.map((p) => p.where.split('.').pop()));
    for (const [, idsKey] of PAIRS) expect(fields).toContain(idsKey);
  });
});

describe('reference encoder cases', () => {
  const cases = readJson('gpt2-tokenizer-cases.json') as {
    encode: { text: string; ids: number[] }[];
    decode: { ids: number[]; text: string }[];
  };

  it('encodes tricky strings exactly like openai/gpt-2 encoder.py', () => {
    for (const c of cases.encode) expect({ text: c.text, ids: tok.encode(c.text) }).toEqual(c);
  });

  it("decodes invalid UTF-8 like Python's errors='replace'", () => {
    for (const c of cases.decode) expect({ ids: c.ids, text: tok.decode(c.ids) }).toEqual(c);
  });
});

describe('encode / decode', () => {
  const tricky = [
    '',
    'Hello, world!',
    '   multiple   spaces   ',
    'new\nlines\n\n\r\n',
    "I'm sure you've heard they'll say it's fine, don't we'd",
    'numbers 3.14159 1,234,567 2024 -7',
    'unicode: Zürich, São Paulo, Kraków, Ελλάδα, 東京, Ꭰ',
    'emoji 😀🙈 👩‍🚀 family 👨‍👩‍👧',
    '\u0085\u00a0\ufeff\u2028 odd whitespace',
    'lone surrogate-free but odd: \u0000 \u001b[0m',
  ];

  it('round-trips decode(encode(s)) == s', () => {
    for (const s of tricky) expect(tok.decode(tok.encode(s))).toBe(s);
  });

  it('adds no BOS/EOS and keeps pieces concatenating to the text', () => {
    expect(tok.encode('')).toEqual([]);
    for (const s of tricky) expect(pretokenize(s).join('')).toBe(s);
    expect(tok.encode('hello world')).toEqual([31373, 995]);
  });

  it('treats <|endoftext|> as plain text unless allowSpecial', () => {
    const plain = tok.encode('a<|endoftext|>b');
    expect(plain).not.toContain(END_OF_TEXT_ID);
    expect(tok.decode(plain)).toBe('a<|endoftext|>b');
    const special = tok.encode('a<|endoftext|>b', { allowSpecial: true });
    expect(special).toEqual([...tok.encode('a'), END_OF_TEXT_ID, ...tok.encode('b')]);
    expect(tok.decode([END_OF_TEXT_ID])).toBe('<|endoftext|>');
    expect(tok.vocabSize).toBe(50257);
  });

  it('rejects ids outside the vocabulary', () => {
    expect(() => tok.decode([50257])).toThrow(/50257 is not in the vocabulary/);
    expect(() => tok.decode([-1])).toThrow(/not in the vocabulary/);
  });

  it('rejects malformed tokenizer files clearly', async () => {
    const { Gpt2Tokenizer } = await import('../models/tokenizer/gpt2-tokenizer.ts');
    expect(() => new Gpt2Tokenizer({ a: 0 }, '#version: 0.2\n')).toThrow(/single-byte token/);
    expect(() => new Gpt2Tokenizer({ a: 0, b: 2 }, '')).toThrow(/id 1 is missing/);
  });
});

describe('speed', () => {
  it('encodes 10k varied sentences in a few seconds', () => {
    const words = ['the', 'model', 'Paris', 'located', 'tower', 'quickly', 'sport', 'of', 'in', 'city', 'über', '東京', 'écrit'];
    let seed = 12345;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648);
    const sentences: string[] = [];
    for (let i = 0; i < 10_000; i++) {
      const n = 8 + (next() % 12);
      const parts: string[] = [];
      // A number and a made-up word per sentence keep the cache honest.
      for (let j = 0; j < n; j++) parts.push(words[next() % words.length]!);
      parts.push(String(next() % 100000), `w${(next() % 5000).toString(36)}x`);
      sentences.push(`${parts.join(' ')}.`);
    }
    const t0 = performance.now();
    let total = 0;
    for (const s of sentences) total += tok.encode(s).length;
    const ms = performance.now() - t0;
    expect(total).toBeGreaterThan(100_000);
    expect(ms).toBeLessThan(10_000);
  });
});
