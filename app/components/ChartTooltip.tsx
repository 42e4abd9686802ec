import type { ChartRow } from '../chart-data.ts';
import type { CurveSeries } from '../curve.ts';
import { formatPpl } from '../format.ts';

/** Each series' point at this edit count: which edit it was, its ME-PPL, collapse, task accuracies. */
export function ChartTooltip({ active, payload, series, tasks }: { active?: boolean | undefined; payload?: ReadonlyArray<{ payload?: unknown }> | undefined; series: CurveSeries[]; tasks: string[] }) {
  if (!active || !payload?.length) return null;
  const row = payload[0]!.payload as ChartRow;
  return (
    <div className="chart-tooltip">
      <div className="chart-tooltip-title">{row.edit === 0 ? 'Unedited model' : `After edit ${row.edit}`}</div>
      {series.map((s, i) => {
        const raw = row[`s${i}_raw`];
        if (typeof raw !== 'number') return null;
        const collapsed = row[`s${i}_collapsed`] === true;
        return (
          <div key={s.id} className="chart-tooltip-series">
            <strong>{s.label}</strong>
            {row.edit > 0 && <span>: {String(row[`s${i}_label`])}</span>}
            <div>
              ME-PPL {formatPpl(raw)} {collapsed && <span className="collapsed-tag">collapsed</span>}
            </div>
            {tasks.map((t) => {
              const v = row[`s${i}_task_${t}`];
              return typeof v === 'number' ? <div key={t}>{t}: {(v * 100).toFixed(1)}%</div> : null;
            })}
          </div>
        );
      })}
    </div>
  );
}
