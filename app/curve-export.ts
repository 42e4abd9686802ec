// The curve as CSV (one row per series and point) and JSON. Labels are user
// text: CSV cells are quoted as RFC 4180 says, and a leading = + - @ (which a
// spreadsheet would run as a formula) is neutralised with a quote mark.
import { taskIds, type CurveSeries } from './curve.ts';

function csvCell(v: string | number | boolean): string {
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : String(v); // NaN/Infinity stay readable
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  let s = v;
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

export function curveCsv(series: readonly CurveSeries[]): string {
  const tasks = taskIds(series);
  const header = ['series', 'method', 'edit', 'label', 'me_ppl', 'ppl_corpus', 'collapsed', ...tasks.map((t) => `task_${t}`)];
  const rows = [header.join(',')];
  for (const s of series) {
    for (const p of s.points) {
      rows.push(
        [s.label, s.method, p.edit, p.label, p.me_ppl, p.ppl_corpus, p.collapsed, ...tasks.map((t) => (t in p.tasks ? p.tasks[t]! : ''))]
          .map((c) => (c === '' ? '' : csvCell(c)))
          .join(','),
      );
    }
  }
  return rows.join('\r\n') + '\r\n';
}

export function curveJson(series: readonly CurveSeries[]): string {
  // JSON has no NaN/Infinity: write them as strings rather than lose them as null.
  return JSON.stringify(
    { version: 1, series },
    (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v),
    2,
  );
}
