import { formatBytes } from '../format.ts';
import { CONFIRM_REPLAY_SECONDS, formatDuration } from '../link-check.ts';
import { useLabSession } from '../store-lab.ts';

/** Edits listed before a replay; the rest are counted. */
const LISTED_EDITS = 12;

/** A shared or saved experiment that needs the user: a download to agree to, a folder to pick, a costly replay, or a session to restore. */
export function PendingExperimentBanner() {
  const pending = useLabSession((s) => s.pending);
  const accept = useLabSession((s) => s.acceptPending);
  const dismiss = useLabSession((s) => s.dismissPending);
  const busy = useLabSession((s) => s.op !== null);
  if (!pending) return null;
  const { experiment: exp, resolution: r, estimate } = pending;
  const n = exp.edits.length;
  const what = `${n.toLocaleString('en-US')} edit${n === 1 ? '' : 's'} with ${exp.method.name.toUpperCase()} on “${exp.model}”`;
  const costly = estimate.seconds !== null && estimate.seconds > CONFIRM_REPLAY_SECONDS;
  return (
    <div className="notice notice-info" role="status" data-testid="pending-experiment" data-source={pending.source} data-costly={String(costly)}>
      <p>
        <strong>{pending.source === 'session' ? 'Restore your last session?' : 'Open the experiment in this link?'}</strong> {what}
        {pending.comparisons.length > 0 && `, with ${pending.comparisons.length} frozen comparison curve${pending.comparisons.length === 1 ? '' : 's'}`}.
      </p>
      {r.kind === 'confirm' && (
        <p>
          This downloads the model from the Hugging Face hub
          {r.preset ? ` (${formatBytes(r.preset.bytesF32)})` : ''} and replays the edits.
        </p>
      )}
      {r.kind === 'pick-files' && <p>The model was a local folder: pick the same folder (config.json + model.safetensors) to replay the edits on it.</p>}
      {n > 0 && (
        <p data-testid="pending-estimate">
          {estimate.seconds !== null ? (
            <>
              Replaying takes <strong>{formatDuration(estimate.seconds)}</strong> on this device (a rough estimate: {estimate.edits.toLocaleString('en-US')} edit
              {estimate.edits === 1 ? '' : 's'}, {estimate.vSteps.toLocaleString('en-US')} v* steps in all, each edit followed by an evaluation). It can be cancelled at any
              time.
            </>
          ) : (
            <>
              Replaying runs {estimate.edits.toLocaleString('en-US')} edit{estimate.edits === 1 ? '' : 's'} ({estimate.vSteps.toLocaleString('en-US')} v* steps in all); its time depends
              on the model’s size. It can be cancelled at any time.
            </>
          )}
        </p>
      )}
      {n > 0 && (
        <details open={n <= LISTED_EDITS}>
          <summary>The edits it runs, in order</summary>
          <ol className="pending-edits" data-testid="pending-edits">
            {exp.edits.slice(0, LISTED_EDITS).map((e, i) => (
              <li key={i} data-testid="pending-edit">
                {e.prompt.replace('{}', e.subject)} → <strong>{e.target_new}</strong>
              </li>
            ))}
          </ol>
          {n > LISTED_EDITS && <p className="muted small">…and {(n - LISTED_EDITS).toLocaleString('en-US')} more.</p>}
        </details>
      )}
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
        <button type="button" className="button button-secondary small-button" data-testid="dismiss-pending" onClick={dismiss}>
          Not now
        </button>
      </div>
      {pending.source === 'link' && <p className="muted small">“Not now” runs nothing and keeps the link in the address bar.</p>}
    </div>
  );
}
