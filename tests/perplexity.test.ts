import { describe, expect, it } from 'vitest';
import { perplexityReport, textScore } from '../models/eval/perplexity.ts';

describe('ME-PPL and corpus perplexity', () => {
  it('averages per-text perplexities, not NLLs', () => {
    const a = textScore(3, [Math.log(2), Math.log(8)]); // mean NLL log 4 → ppl 4
    const b = textScore(2, [Math.log(16)]); // ppl 16
    expect(a.ppl).toBeCloseTo(4, 12);
    const r = perplexityReport([a, b]);
    expect(r.me_ppl).toBeCloseTo(10, 12); // (4 + 16) / 2
    // corpus: exp((log2 + log8 + log16) / 3) = exp(log 256 / 3)
    expect(r.ppl_corpus).toBeCloseTo(Math.cbrt(256), 12);
  });

  it('leaves out texts with nothing to score and propagates NaN', () => {
    const one = textScore(1, []);
    expect(Number.isNaN(one.ppl)).toBe(true);
    const r = perplexityReport([one, textScore(2, [0])]);
    expect(r.me_ppl).toBe(1);
    expect(Number.isNaN(perplexityReport([textScore(2, [NaN])]).me_ppl)).toBe(true);
    expect(() => textScore(3, [1])).toThrow(/2 NLLs|1 NLLs/);
  });
});
