import { useLabSession } from '../store-lab.ts';

/** The last failure in words, with its hint; the edit history is unaffected (it is re-read from the worker). */
export function ErrorBanner() {
  const error = useLabSession((s) => s.error);
  const dismiss = useLabSession((s) => s.dismissError);
  if (!error) return null;
  return (
    <div className="notice notice-bad" role="alert" data-testid="lab-error" data-kind={error.kind}>
      <div className="notice-row">
        <strong>{error.message}</strong>
        <button type="button" className="link-button" onClick={dismiss}>
          Dismiss
        </button>
      </div>
      {error.hint && <p>{error.hint}</p>}
    </div>
  );
}
