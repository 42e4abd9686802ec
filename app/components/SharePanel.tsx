import { useState } from 'react';
import { downloadText } from '../download.ts';
import { shareUrl } from '../share-hash.ts';
import { useLabSession } from '../store-lab.ts';

/** The experiment as a link (its state lives in the URL) and as a JSON file the CLI runs. */
export function SharePanel() {
  const experiment = useLabSession((s) => s.experiment);
  const comparisons = useLabSession((s) => s.comparisons);
  const held = useLabSession((s) => s.held);
  const [copied, setCopied] = useState(false);
  if (!experiment) return null;
  // An opened link the lab has not reached (a replay cancelled or failed) stays the link to share.
  const url = held ? location.href : shareUrl(experiment, comparisons);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(url);
      setCopied(true);
      setTimeout(() => setCopied(false), 2000);
    } catch {
      // No clipboard permission: the field is selected for a manual copy.
      (document.querySelector('[data-testid="share-url"]') as HTMLInputElement | null)?.select();
    }
  };
  return (
    <section className="card panel" data-testid="share" aria-labelledby="share-title">
      <h3 id="share-title">Share and export</h3>
      <p className="muted small">The link holds the model, the settings, the edits and any frozen comparison curves; opening it replays the edits and reaches the same numbers.</p>
      {held && (
        <p className="notice notice-warn small" data-testid="share-held">
          This is the link you opened: the lab has not replayed all of it. It stays as it is until you change the experiment.
        </p>
      )}
      <div className="row">
        <input className="input wide" readOnly value={url} data-testid="share-url" aria-label="Share link" onFocus={(e) => e.target.select()} />
        <button type="button" className="button small-button" onClick={() => void copy()} data-testid="copy-share-url">
          {copied ? 'Copied' : 'Copy link'}
        </button>
      </div>
      <div className="row">
        <button
          type="button"
          className="button button-secondary small-button"
          data-testid="export-experiment"
          onClick={() => downloadText(JSON.stringify(experiment, null, 2) + '\n', 'experiment.json', 'application/json')}
        >
          Download experiment JSON
        </button>
        <span className="muted small">
          Run it from the command line: <code>npm run -s lab -- run experiment.json</code>
        </span>
      </div>
    </section>
  );
}
