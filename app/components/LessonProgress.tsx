import { useLabSession } from '../store-lab.ts';

/** One line for the lab's running operation, with a way to cancel it (the lesson views hide the full panel). */
export function LessonProgress() {
  const op = useLabSession((s) => s.op);
  const queued = useLabSession((s) => s.queue.length);
  const cancel = useLabSession((s) => s.cancel);
  if (!op) return null;
  const p = op.progress;
  return (
    <div className="lesson-progress" role="status" data-testid="lesson-progress">
      <span>
        {op.title}
        {p ? ` — ${p.stage}${p.fraction !== null ? ` ${Math.round(p.fraction * 100)}%` : ''}` : '…'}
        {queued ? ` (${queued} more waiting)` : ''}
      </span>
      <button type="button" className="button button-secondary small-button" onClick={cancel}>
        Cancel
      </button>
    </div>
  );
}
