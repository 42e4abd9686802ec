import { describe, expect, it } from 'vitest';
import { formatRatio, parseHardCases } from '../app/hard-cases.ts';

describe('hard_cases.json in the fact browser', () => {
  it('reads the cases lab mine writes, a blown-up update (null) as an infinite ratio', () => {
    const h = parseHardCases({
      version: 1,
      collapse_factor: 10,
      cases: [
        { case_id: 7, ratio_rome: 31.5, ratio_c_rome: 1.2, subject_at_start: true },
        { case_id: 9, ratio_rome: null, ratio_c_rome: 1.01 },
      ],
    });
    expect(h.collapseFactor).toBe(10);
    expect(h.byCase.get(7)).toEqual({ caseId: 7, ratioRome: 31.5, ratioCRome: 1.2, subjectAtStart: true, request: null });
    expect(h.stats).toBeNull();
    expect(h.byCase.get(9)!.ratioRome).toBe(Infinity);
    expect(formatRatio(Infinity)).toBe('×∞');
    expect(formatRatio(31.5)).toBe('×31.5');
    expect(formatRatio(1234.5)).toBe('×1235');
  });

  it('refuses a file of another shape with a message that names it', () => {
    expect(() => parseHardCases([])).toThrow(/hard_cases.json/);
    expect(() => parseHardCases({ version: 2, cases: [] })).toThrow(/version/);
    expect(() => parseHardCases({ version: 1, cases: [{ case_id: 'x', ratio_rome: 1, ratio_c_rome: 1 }] })).toThrow(/case 0/);
    expect(() => parseHardCases({ version: 1, cases: [{ case_id: 1, ratio_rome: 'big', ratio_c_rome: 1 }] })).toThrow(/ratio/);
  });
});
