// The curve's CSV and JSON exports, and the chart rows behind the plot.
import { describe, expect, it } from 'vitest';
import type { EditStep, EvalPoint } from '../../models/lab-types.ts';
import { chartRows, logTicks, shortNumber } from '../../app/chart-data.ts';
import { curveOf, taskIds } from '../../app/curve.ts';
import { curveCsv, curveJson } from '../../app/curve-export.ts';

const point = (me_ppl: number, tasks: Record<string, number> = {}, collapsed = false): EvalPoint => ({ me_ppl, ppl_corpus: me_ppl * 0.9, tasks, collapsed });
const step = (subject: string, target: string, metrics: EvalPoint): EditStep =>
  ({ edit: 0, request: { prompt: '{} is in', subject, target_new: target }, method: { name: 'rome' }, metrics }) as unknown as EditStep;

const live = curveOf(point(40, { lambada: 0.5 }), [step('Paris', 'Rome', point(45, { lambada: 0.48 })), step('=cmd|"/c calc"!A1', 'x,"y"', point(Infinity, {}, true))], {
  id: 'live',
  label: 'ROME',
  method: 'rome',
  frozen: false,
  collapseFactor: 10,
});

describe('curve export', () => {
  it('numbers the points from the unedited baseline and labels each edit', () => {
    expect(live.points.map((p) => p.edit)).toEqual([0, 1, 2]);
    expect(live.points.map((p) => p.label)).toEqual(['unedited', 'Paris → Rome', '=cmd|"/c calc"!A1 → x,"y"']);
    expect(taskIds([live])).toEqual(['lambada']);
  });

  it('writes RFC 4180 CSV with task columns, and defuses spreadsheet formulas', () => {
    const lines = curveCsv([live]).trimEnd().split('\r\n');
    expect(lines[0]).toBe('series,method,edit,label,me_ppl,ppl_corpus,collapsed,task_lambada');
    expect(lines[1]).toBe('ROME,rome,0,unedited,40,36,false,0.5');
    expect(lines[2]).toBe('ROME,rome,1,Paris → Rome,45,40.5,false,0.48');
    // The label starts with '=': prefixed with a quote mark, then quoted for its comma and quotes.
    expect(lines[3]).toBe(`ROME,rome,2,"'=cmd|""/c calc""!A1 → x,""y""",Infinity,Infinity,true,`);
    expect(lines).toHaveLength(4);
  });

  it('writes JSON that keeps non-finite numbers readable', () => {
    const parsed = JSON.parse(curveJson([live])) as { version: number; series: Array<{ points: Array<{ me_ppl: unknown }> }> };
    expect(parsed.version).toBe(1);
    expect(parsed.series[0]!.points.map((p) => p.me_ppl)).toEqual([40, 45, 'Infinity']);
  });

  it('chart rows leave gaps where a log axis cannot draw, and keep the threshold in view', () => {
    const { rows, tasks, domain } = chartRows([live]);
    expect(tasks).toEqual(['lambada']);
    expect(rows.map((r) => r.s0)).toEqual([40, 45, null]);
    expect(rows[2]!.s0_collapsed).toBe(true);
    expect(rows[0]!.s0_task_lambada).toBe(0.5);
    expect(domain![0]).toBeLessThan(40);
    expect(domain![1]).toBeGreaterThan(400);
    const ticks = logTicks(domain)!;
    expect(ticks).toContain(100);
    expect(ticks.every((t) => t >= domain![0] && t <= domain![1])).toBe(true);
    expect(shortNumber(18_470_000)).toBe('1.8e7');
    expect(shortNumber(350)).toBe('350');
  });
});
