import { describe, expect, it } from 'vitest';
import { parseTextsJson } from '../models/data/texts.ts';

describe('texts input files', () => {
  it('accepts the three documented forms', () => {
    expect(parseTextsJson('["a", "b"]')).toEqual({ kind: 'texts', texts: ['a', 'b'] });
    expect(parseTextsJson('[{"Corpus": "Wikipedia", "Text": " x"}]')).toEqual({ kind: 'texts', texts: [' x'] });
    expect(parseTextsJson('{"ids": [[1, 2, 50256]]}')).toEqual({ kind: 'ids', ids: [[1, 2, 50256]] });
  });

  it('names the problem in malformed files', () => {
    expect(() => parseTextsJson('[1', 'f.json')).toThrow(/f.json is not valid JSON/);
    expect(() => parseTextsJson('[3]')).toThrow(/entry 0 is neither/);
    expect(() => parseTextsJson('{"ids": [[1, 50257]]}')).toThrow(/ids\[0\]\[1\] = 50257/);
    expect(() => parseTextsJson('{"ids": [[1.5]]}')).toThrow(/not a token id/);
    expect(() => parseTextsJson('{"x": 1}')).toThrow(/expected a JSON array/);
  });
});
