import { useLabSession } from '../store-lab.ts';

/** Why a shared link could not be opened; the lab stays empty and usable. */
export function LinkErrorBanner() {
  const message = useLabSession((s) => s.linkError);
  const dismiss = useLabSession((s) => s.setLinkError);
  if (!message) return null;
  return (
    <div className="notice notice-bad" role="alert" data-testid="link-error">
      <div className="notice-row">
        <strong>{message}</strong>
        <button type="button" className="link-button" onClick={() => dismiss(null)}>
          Dismiss
        </button>
      </div>
      <p>The lab starts empty. Ask for the link again, or load a model and build the experiment here.</p>
    </div>
  );
}
