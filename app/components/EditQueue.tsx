import { useLabSession } from '../store-lab.ts';

/** Edits clicked while another operation runs: applied in order, each removable. */
export function EditQueue() {
  const queue = useLabSession((s) => s.queue);
  const remove = useLabSession((s) => s.removeQueued);
  return (
    <div className="queue" data-testid="edit-queue">
      <h4>Waiting ({queue.length})</h4>
      <ol>
        {queue.map((q) => (
          <li key={q.id} data-testid="queued-edit">
            {q.request.subject} → {q.request.target_new}{' '}
            <button type="button" className="link-button" onClick={() => remove(q.id)} aria-label={`Remove ${q.request.subject} from the queue`}>
              remove
            </button>
          </li>
        ))}
      </ol>
    </div>
  );
}
