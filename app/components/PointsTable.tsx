import { useRef } from 'react';
import { taskIds } from '../curve.ts';
import { formatPpl } from '../format.ts';
import { useLabSession } from '../store-lab.ts';
import { useCurves } from '../use-curves.ts';
import { useScrollCue } from '../use-scroll-cue.ts';

/** The curve's numbers, one row per point: what the chart draws, readable and copyable. */
export function PointsTable() {
  const series = useCurves();
  const saved = useLabSession((s) => s.restored !== null);
  const live = series[0]!;
  const frozen = series.slice(1);
  const tasks = taskIds(series);
  const scroller = useRef<HTMLDivElement>(null);
  const cue = useScrollCue(scroller, [live.points.length, tasks.length, frozen.length]);
  if (!live.points.length) return null;
  return (
    <section className="card panel" aria-labelledby="points-title">
      <h3 id="points-title">Points</h3>
      {saved && (
        <p className="muted small" data-testid="points-saved-note">
          Saved points, shown at once; the lab is replaying the edits to verify them.
        </p>
      )}
      {cue.right && (
        <p className="muted small scroll-cue" data-testid="points-scroll-cue" aria-hidden="true">
          More columns to the right: scroll the table sideways →
        </p>
      )}
      <div ref={scroller} className="table-scroll" data-more-left={String(cue.left)} data-more-right={String(cue.right)} tabIndex={0} aria-label="Points table (scrolls sideways)">
        <table className="table points-table" data-testid="points-table" data-count={live.points.length} data-source={saved ? 'saved' : 'live'}>
          <thead>
            <tr>
              <th scope="col" className="num">
                Edits
              </th>
              <th scope="col">Last edit</th>
              <th scope="col" className="num">
                ME-PPL
              </th>
              <th scope="col" className="num">
                Corpus PPL
              </th>
              {tasks.map((t) => (
                <th key={t} scope="col" className="num">
                  {t}
                </th>
              ))}
              {frozen.map((s) => (
                <th key={s.id} scope="col" className="num">
                  {s.label}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {live.points.map((p) => (
              <tr key={p.edit} data-testid="point-row" data-edit={p.edit} data-collapsed={String(p.collapsed)} className={p.collapsed ? 'row-collapsed' : ''}>
                <td className="num">{p.edit}</td>
                <td>{p.label}</td>
                <td className="num" data-testid="point-me-ppl">
                  {formatPpl(p.me_ppl)}
                  {p.collapsed && <span className="collapsed-tag">collapsed</span>}
                </td>
                <td className="num">{formatPpl(p.ppl_corpus)}</td>
                {tasks.map((t) => (
                  <td key={t} className="num" data-testid={`point-task-${t}`}>
                    {t in p.tasks ? `${(p.tasks[t]! * 100).toFixed(1)}%` : '—'}
                  </td>
                ))}
                {frozen.map((s) => {
                  const q = s.points[p.edit];
                  return (
                    <td key={s.id} className="num">
                      {q ? formatPpl(q.me_ppl) : '—'}
                    </td>
                  );
                })}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
