import { useId, useRef } from 'react';
import { CartesianGrid, Legend, Line, LineChart, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis, type DotItemDotProps } from 'recharts';
import { chartRows, logTicks, referenceSeries, seriesKey, shortNumber, taskKey } from '../chart-data.ts';
import { ACCURACY_DOMAIN, ACCURACY_TICKS, BASELINE_COLOR, COLLAPSED_COLOR, lineStyles } from '../chart-style.ts';
import type { CurveSeries } from '../curve.ts';
import { formatPpl } from '../format.ts';
import { useCurves } from '../use-curves.ts';
import { ChartExportButtons } from './ChartExportButtons.tsx';
import type { PngKeyEntry } from '../chart-png.ts';
import { ChartTooltip } from './ChartTooltip.tsx';

const BASELINE_DASH = '4 4';
const THRESHOLD_DASH = '6 3';

/** A point's dot: larger and vermillion when that point counts as collapsed. */
function dotFor(color: string, key: string) {
  return function CurveDot(props: DotItemDotProps) {
    const { cx, cy, payload, index } = props;
    if (typeof cx !== 'number' || typeof cy !== 'number' || !Number.isFinite(cy)) return <g key={`${key}-${index}`} />;
    const collapsed = Boolean((payload as Record<string, unknown>)[`${key}_collapsed`]);
    return <circle key={`${key}-${index}`} cx={cx} cy={cy} r={collapsed ? 5 : 3.5} fill={collapsed ? COLLAPSED_COLOR : color} stroke="#fff" strokeWidth={1} data-collapsed={String(collapsed)} />;
  };
}

/** ME-PPL (log) against the number of edits; any task accuracies on a 0..1 axis at the right. */
export function CollapseChart({ height = 320 }: { height?: number } = {}) {
  const series = useCurves();
  const svgHolder = useRef<HTMLDivElement>(null);
  const titleId = useId(); // the lesson's presentation shows a second chart
  const { rows, tasks, domain } = chartRows(series);
  // Without a model, imported results still plot: their first curve gives the reference lines.
  const live = referenceSeries(series) ?? series[0]!;
  const baseline = live.points[0]?.me_ppl;
  const threshold = baseline !== undefined ? baseline * live.collapseFactor : undefined;
  const points = series[0]!.points.length;
  const shown = series.filter((s) => s.points.length > 0).length;
  const styles = lineStyles(series, tasks);
  const hasBaseline = baseline !== undefined && Number.isFinite(baseline) && baseline > 0;
  const hasThreshold = threshold !== undefined && Number.isFinite(threshold) && threshold > 0;
  // One name per line, for the chart and for the PNG's key (the legend is HTML, outside the SVG).
  const pplName = (s: CurveSeries) => `${s.label} ME-PPL`;
  const taskName = (s: CurveSeries, t: string) => `${s.label} ${t} acc.`;
  const baselineLabel = hasBaseline ? `unedited ${formatPpl(baseline)}` : '';
  const thresholdLabel = hasThreshold ? `collapse ${live.collapseFactor}× = ${formatPpl(threshold)}` : '';
  const pngKey: PngKeyEntry[] = [
    ...series.flatMap((s, i) => (s.points.length ? [{ label: pplName(s), color: styles.ppl[i]!.color, dash: styles.ppl[i]!.dash }] : [])),
    ...series.flatMap((s, i) => tasks.map((t, j) => ({ label: taskName(s, t), color: styles.task[i]![j]!.color, dash: styles.task[i]![j]!.dash }))),
    ...(hasBaseline ? [{ label: baselineLabel, color: BASELINE_COLOR, dash: BASELINE_DASH }] : []),
    ...(hasThreshold ? [{ label: thresholdLabel, color: COLLAPSED_COLOR, dash: THRESHOLD_DASH }] : []),
  ];

  return (
    <section className="card panel" data-testid="collapse-chart" data-points={points} data-series={shown} aria-labelledby={titleId}>
      <div className="panel-head">
        <h3 id={titleId}>Perplexity against edits</h3>
        {shown > 0 && <ChartExportButtons series={series} svgHolder={svgHolder} pngKey={pngKey} />}
      </div>
      {shown === 0 ? (
        <p className="muted chart-empty">Load a model: its unedited ME-PPL is point 0, and every edit adds a point. Or open results from a GPU run (below).</p>
      ) : (
        <div ref={svgHolder} className="chart-holder">
          <ResponsiveContainer width="100%" height={height}>
            <LineChart data={rows} margin={{ top: 12, right: 24, bottom: 8, left: 8 }}>
              <CartesianGrid stroke="#e1e4ee" strokeDasharray="3 3" />
              <XAxis dataKey="edit" type="number" domain={[0, Math.max(1, rows.length - 1)]} allowDecimals={false} height={40} label={{ value: 'edits', position: 'insideBottom', offset: 0 }} />
              <YAxis
                yAxisId="ppl"
                scale="log"
                domain={domain ?? ['auto', 'auto']}
                allowDataOverflow
                ticks={logTicks(domain)}
                tickFormatter={(v: number) => shortNumber(v)}
                width={64}
                label={{ value: 'ME-PPL (log scale)', angle: -90, position: 'insideLeft', offset: 0, style: { textAnchor: 'middle' } }}
              />
              {tasks.length > 0 && (
                // The title sits outside the tick labels (position "right", in the chart's right margin), not on the 75 % tick.
                <YAxis
                  yAxisId="tasks"
                  orientation="right"
                  domain={ACCURACY_DOMAIN}
                  ticks={ACCURACY_TICKS}
                  allowDataOverflow
                  tickFormatter={(v: number) => `${Math.round(v * 100)}%`}
                  width={50}
                  label={{ value: 'accuracy', angle: 90, position: 'right', offset: 6, style: { textAnchor: 'middle' } }}
                />
              )}
              <Tooltip content={(props) => <ChartTooltip active={props.active} payload={props.payload} series={series} tasks={tasks} />} />
              <Legend iconType="plainline" />
              {hasBaseline && (
                // Labelled below the line at the left, past point 0's dot: the curve leaves this line from point 0 and
                // edits mostly raise ME-PPL, so at the right (where it was) the curve ran through the label.
                <ReferenceLine yAxisId="ppl" y={baseline} stroke={BASELINE_COLOR} strokeDasharray={BASELINE_DASH} label={{ value: baselineLabel, position: 'insideTopLeft', offset: 10, fill: BASELINE_COLOR, fontSize: 11 }} />
              )}
              {hasThreshold && (
                <ReferenceLine yAxisId="ppl" y={threshold} stroke={COLLAPSED_COLOR} strokeDasharray={THRESHOLD_DASH} label={{ value: thresholdLabel, position: 'insideTopLeft', fill: COLLAPSED_COLOR, fontSize: 11 }} />
              )}
              {series.map((s, i) => {
                if (!s.points.length) return null; // no model yet: no empty live line in the legend
                const { color, dash, width } = styles.ppl[i]!;
                return (
                  <Line
                    key={s.id}
                    yAxisId="ppl"
                    type="linear"
                    dataKey={seriesKey(i)}
                    name={pplName(s)}
                    stroke={color}
                    strokeWidth={width}
                    strokeDasharray={dash}
                    dot={dotFor(color, seriesKey(i))}
                    isAnimationActive={false}
                    connectNulls={false}
                  />
                );
              })}
              {series.flatMap((s, i) =>
                tasks.map((t, j) => {
                  const { color, dash, width } = styles.task[i]![j]!;
                  return (
                    <Line
                      key={`${s.id}-${t}`}
                      yAxisId="tasks"
                      type="linear"
                      dataKey={taskKey(i, t)}
                      name={taskName(s, t)}
                      stroke={color}
                      strokeWidth={width}
                      strokeDasharray={dash}
                      dot={{ r: 3, fill: color, stroke: '#fff', strokeWidth: 1 }}
                      isAnimationActive={false}
                    />
                  );
                }),
              )}
            </LineChart>
          </ResponsiveContainer>
        </div>
      )}
    </section>
  );
}
