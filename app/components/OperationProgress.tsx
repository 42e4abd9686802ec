import { useLabSession, type OpKind } from '../store-lab.ts';
import { EditQueue } from './EditQueue.tsx';

/** The phases each kind of operation goes through, in order, as the worker names them. */
const PHASES: Record<OpKind, Array<{ stage: string; label: string }>> = {
  load: [
    { stage: 'config', label: 'config' },
    { stage: 'download', label: 'download' },
    { stage: 'cache', label: 'cache' },
    { stage: 'upload', label: 'upload' },
    { stage: 'compile', label: 'compile' },
    { stage: 'evaluate', label: 'baseline' },
  ],
  edit: [
    { stage: 'statistics', label: 'statistics' },
    { stage: 'factorise', label: 'factorise' },
    { stage: 'templates', label: 'templates' },
    { stage: 'edit', label: 'edit (v*)' },
    { stage: 'evaluate', label: 'evaluate' },
  ],
  settings: [{ stage: 'evaluate', label: 'baseline' }],
  undo: [
    { stage: 'replay', label: 'recompute later edits' },
    { stage: 'edit', label: 'edit (v*)' },
    { stage: 'evaluate', label: 'evaluate' },
  ],
  replay: [
    { stage: 'evaluate', label: 'baseline' },
    { stage: 'replay', label: 'edits' },
    { stage: 'statistics', label: 'statistics' },
    { stage: 'edit', label: 'edit (v*)' },
  ],
  reset: [],
  rebuild: [],
};

/** The phase list shows where the loader's "header" and "config" steps belong. */
const ALIASES: Record<string, string> = { header: 'config', factorise: 'factorise' };

/** One progress bar for whatever runs, its phases, and Cancel; the queue of waiting edits beneath. */
export function OperationProgress() {
  const op = useLabSession((s) => s.op);
  const cancel = useLabSession((s) => s.cancel);
  const queue = useLabSession((s) => s.queue);
  if (!op) return queue.length ? <EditQueue /> : null;
  const stage = op.progress ? (ALIASES[op.progress.stage] ?? op.progress.stage) : null;
  const fraction = op.progress?.fraction ?? null;
  const phases = PHASES[op.kind];
  return (
    <section className="card progress-card" data-testid="op-progress" data-kind={op.kind} data-stage={stage ?? ''} aria-live="polite">
      <div className="progress-head">
        <strong data-testid="op-title">{op.title}</strong>
        <button type="button" className="button button-secondary small-button" data-testid="cancel-op" onClick={cancel}>
          Cancel
        </button>
      </div>
      {phases.length > 0 && (
        <ol className="phases">
          {phases.map((p) => (
            <li key={p.stage} className={`phase ${p.stage === stage ? 'phase-active' : ''}`}>
              {p.label}
            </li>
          ))}
        </ol>
      )}
      <div
        className={`progress-bar ${fraction === null ? 'progress-indeterminate' : ''}`}
        role="progressbar"
        aria-valuemin={0}
        aria-valuemax={100}
        {...(fraction !== null ? { 'aria-valuenow': Math.round(fraction * 100) } : {})}
      >
        <div className="progress-fill" style={{ width: fraction === null ? '30%' : `${Math.round(fraction * 100)}%` }} />
      </div>
      <p className="muted small progress-detail">
        {stage ?? 'starting'}
        {op.progress?.detail ? ` — ${op.progress.detail}` : ''}
        {fraction !== null ? ` (${Math.round(fraction * 100)}%)` : ''}
      </p>
      {queue.length > 0 && <EditQueue />}
    </section>
  );
}
