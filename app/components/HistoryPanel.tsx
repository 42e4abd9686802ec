import { formatPpl } from '../format.ts';
import { useLabSession } from '../store-lab.ts';

/** The applied edits in order: details, undo any one, reset all. */
export function HistoryPanel() {
  const steps = useLabSession((s) => s.steps);
  const mode = useLabSession((s) => s.settings.mode);
  const busy = useLabSession((s) => s.op !== null);
  const selected = useLabSession((s) => s.selectedEdit);
  const select = useLabSession((s) => s.selectEdit);
  const undo = useLabSession((s) => s.undo);
  const reset = useLabSession((s) => s.reset);
  return (
    <section className="card panel" data-testid="history" aria-labelledby="history-title">
      <div className="panel-head">
        <h3 id="history-title">History ({steps.length})</h3>
        <button type="button" className="button button-secondary small-button" disabled={busy || !steps.length} onClick={() => void reset()} data-testid="reset-edits">
          Reset all
        </button>
      </div>
      {steps.length === 0 ? (
        <p className="muted">No edits yet.</p>
      ) : (
        <>
          <p className="muted small">
            {mode === 'sequential' ? 'Undoing an edit recomputes the edits after it on the new weights, as a replay would.' : 'Single mode: every edit was scored on the original model; undo just removes its point.'}
          </p>
          <ol className="history-list">
            {steps.map((s, i) => (
              <li key={`${i}-${s.request.subject}`} className={`history-item ${selected === i ? 'history-selected' : ''}`} data-testid="history-item">
                <button type="button" className="link-button history-label" onClick={() => select(i)}>
                  {i + 1}. {s.request.subject} → {s.request.target_new}
                </button>
                <span className="muted small">
                  ME-PPL {formatPpl(s.metrics.me_ppl)}
                  {s.metrics.collapsed && <span className="collapsed-tag">collapsed</span>}
                </span>
                <button type="button" className="button button-secondary small-button" disabled={busy} onClick={() => void undo(i)} data-testid="undo-edit">
                  Undo
                </button>
              </li>
            ))}
          </ol>
        </>
      )}
    </section>
  );
}
