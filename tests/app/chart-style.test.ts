// The chart's lines stay apart: every line has its own colour from the
// Okabe–Ito palette (never the collapse colour), the roles differ by dash,
// and the accuracy axis leaves room so a 0 % series is not drawn on the axis.
import { describe, expect, it } from 'vitest';
import { ACCURACY_DOMAIN, ACCURACY_TICKS, COLLAPSED_COLOR, lineStyles, OKABE_ITO } from '../../app/chart-style.ts';

describe('chart line styles', () => {
  it('gives a live and a frozen curve with one task four distinct colours and dashes by role', () => {
    const { ppl, task } = lineStyles([{ frozen: false }, { frozen: true }], ['lambada']);
    const all = [...ppl, ...task.flat()];
    expect(new Set(all.map((l) => l.color)).size).toBe(4);
    expect(all.every((l) => (Object.values(OKABE_ITO) as string[]).includes(l.color) && l.color !== COLLAPSED_COLOR)).toBe(true);
    // The two accuracy lines (the bug: one green for both) differ in colour and dash.
    expect(task[0]![0]!.color).not.toBe(task[1]![0]!.color);
    expect(task[0]![0]!.dash).not.toBe(task[1]![0]!.dash);
    // ME-PPL and accuracy differ by dash alone too (greyscale print).
    expect(new Set(all.map((l) => l.dash ?? 'solid')).size).toBe(4);
  });

  it('keeps a method’s ME-PPL colour when a comparison adds curves', () => {
    const alone = lineStyles([{ frozen: false, method: 'rome' }], ['lambada']);
    const compared = lineStyles([{ frozen: false, method: 'c-rome' }, { frozen: true, method: 'rome' }], ['lambada']);
    expect(compared.ppl[1]!.color).toBe(alone.ppl[0]!.color);
    expect(compared.ppl[0]!.color).not.toBe(compared.ppl[1]!.color);
    const all = [...compared.ppl, ...compared.task.flat()];
    expect(new Set(all.map((l) => l.color)).size).toBe(4);
    // Two curves of one method (a frozen run with other settings): still two colours.
    const same = lineStyles([{ frozen: false, method: 'rome' }, { frozen: true, method: 'rome' }], []);
    expect(same.ppl[0]!.color).not.toBe(same.ppl[1]!.color);
  });

  it('keeps colours distinct up to the palette size', () => {
    const { ppl, task } = lineStyles([{ frozen: false }, { frozen: true }, { frozen: true }], ['lambada']);
    expect(new Set([...ppl, ...task.flat()].map((l) => l.color)).size).toBe(6);
  });

  it('draws 0 % and 100 % inside the plot, with ticks at the quarters', () => {
    expect(ACCURACY_DOMAIN[0]).toBeLessThan(0);
    expect(ACCURACY_DOMAIN[1]).toBeGreaterThan(1);
    expect(ACCURACY_TICKS).toEqual([0, 0.25, 0.5, 0.75, 1]);
  });
});
