// Rows for the collapse chart: one per edit count, each series' ME-PPL and
// each task's accuracy in its own column, plus the log axis's domain. Values
// a log axis cannot draw (NaN, ±Infinity, ≤ 0) become gaps. Pure logic.
import { taskIds, type CurveSeries } from './curve.ts';

export interface ChartRow {
  edit: number;
  [column: string]: number | string | boolean | null;
}

export const seriesKey = (i: number) => `s${i}`;
export const taskKey = (i: number, task: string) => `s${i}_task_${task}`;

function drawable(v: number): number | null {
  return Number.isFinite(v) && v > 0 ? v : null;
}

export function chartRows(series: readonly CurveSeries[]): { rows: ChartRow[]; tasks: string[]; domain: [number, number] | null } {
  const tasks = taskIds(series);
  const n = Math.max(0, ...series.map((s) => s.points.length));
  const rows: ChartRow[] = [];
  let lo = Infinity;
  let hi = -Infinity;
  for (let e = 0; e < n; e++) {
    const row: ChartRow = { edit: e };
    series.forEach((s, i) => {
      const p = s.points[e];
      if (!p) return;
      const v = drawable(p.me_ppl);
      row[seriesKey(i)] = v;
      row[`${seriesKey(i)}_label`] = p.label;
      row[`${seriesKey(i)}_collapsed`] = p.collapsed;
      row[`${seriesKey(i)}_raw`] = p.me_ppl;
      if (v !== null) {
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
      }
      for (const t of tasks) if (t in p.tasks) row[taskKey(i, t)] = p.tasks[t]!;
    });
    rows.push(row);
  }
  // The reference lines (baseline, threshold) of the first series with points belong in view.
  const ref = referenceSeries(series);
  const base = drawable(ref?.points[0]?.me_ppl ?? NaN);
  if (base !== null) {
    lo = Math.min(lo, base);
    hi = Math.max(hi, base * (ref!.collapseFactor || 1));
  }
  const domain: [number, number] | null = Number.isFinite(lo) && Number.isFinite(hi) ? [lo / 1.5, hi * 1.5] : null;
  return { rows, tasks, domain };
}

/** Whose baseline and collapse threshold the chart draws: the live curve, else (no model loaded) the first imported one. */
export function referenceSeries(series: readonly CurveSeries[]): CurveSeries | undefined {
  return series.find((s) => s.points.length > 0);
}

/** Ticks for a log axis: the powers of ten in view, with 2× and 5× steps when there are too few. */
export function logTicks(domain: [number, number] | null): number[] | undefined {
  if (!domain) return undefined;
  const [lo, hi] = domain;
  const ticks: number[] = [];
  const first = Math.floor(Math.log10(lo));
  const last = Math.ceil(Math.log10(hi));
  const decades = last - first;
  const steps = decades <= 2 ? [1, 2, 5] : [1];
  for (let e = first; e <= last; e++) for (const m of steps) {
    const v = m * 10 ** e;
    if (v >= lo && v <= hi) ticks.push(v);
  }
  return ticks.length >= 2 ? ticks : undefined;
}

/** Short tick labels: 350, 2e4, 1.5e7. */
export function shortNumber(v: number): string {
  if (v < 1e4) return String(Number(v.toPrecision(3)));
  const e = Math.floor(Math.log10(v));
  const m = Number((v / 10 ** e).toPrecision(2));
  return `${m}e${e}`;
}
