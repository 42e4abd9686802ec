import { formatBytes } from '../format.ts';
import { useLabSession } from '../store-lab.ts';

/** A shared or saved experiment that needs the user: a download to agree to, a folder to pick, or a session to restore. */
export function PendingExperimentBanner() {
  const pending = useLabSession((s) => s.pending);
  const accept = useLabSession((s) => s.acceptPending);
  const dismiss = useLabSession((s) => s.dismissPending);
  const busy = useLabSession((s) => s.op !== null);
  if (!pending) return null;
  const { experiment: exp, resolution: r } = pending;
  const what = `${exp.edits.length} edit${exp.edits.length === 1 ? '' : 's'} with ${exp.method.name.toUpperCase()} on “${exp.model}”`;
  return (
    <div className="notice notice-info" role="status" data-testid="pending-experiment" data-source={pending.source}>
      <p>
        <strong>{pending.source === 'session' ? 'Restore your last session?' : 'Open the shared experiment?'}</strong> {what}.
      </p>
      {r.kind === 'confirm' && (
        <p>
          This downloads the model from the Hugging Face hub
          {r.preset ? ` (${formatBytes(r.preset.bytesF32)})` : ''} and replays the edits.
        </p>
      )}
      {r.kind === 'pick-files' && <p>The model was a local folder: pick the same folder (config.json + model.safetensors) to replay the edits on it.</p>}
      <div className="row">
        {r.kind === 'pick-files' ? (
          <label className="button small-button">
            Pick the folder…
            <input type="file" hidden multiple {...{ webkitdirectory: '' }} onChange={(ev) => void accept(ev.target.files ? [...ev.target.files] : [])} />
          </label>
        ) : (
          <button type="button" className="button small-button" data-testid="accept-pending" disabled={busy} onClick={() => void accept()}>
            {pending.source === 'session' ? 'Restore and replay' : 'Load and replay'}
          </button>
        )}
        <button type="button" className="button button-secondary small-button" onClick={dismiss}>
          Not now
        </button>
      </div>
    </div>
  );
}
