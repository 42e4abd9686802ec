import { useState } from 'react';
import { runsInBrowser } from '../browser-models.ts';
import { curvesTooBigForLink, linkWithCurves } from '../shared-curves.ts';
import { useImportedResults } from '../store-imported.ts';
import { useLabSession } from '../store-lab.ts';

/** Results from a GPU run (run.py under EasyEdit, lab sweep, lab run --json) beside the live curves, with no model loaded. */
export function OpenResults() {
  const entries = useImportedResults((s) => s.entries);
  const error = useImportedResults((s) => s.error);
  const busy = useImportedResults((s) => s.busy);
  const openFiles = useImportedResults((s) => s.openFiles);
  const remove = useImportedResults((s) => s.remove);
  const dismissError = useImportedResults((s) => s.dismissError);
  const liveExperiment = useLabSession((s) => s.experiment);
  const [copied, setCopied] = useState(false);

  const curves = entries.map((e) => e.series);
  // The link needs an experiment: the live one, else the first imported result's own.
  const experiment = liveExperiment ?? entries.find((e) => e.experiment)?.experiment ?? null;
  const tooBig = curvesTooBigForLink(curves);
  const linkProblem = !entries.length ? null : !experiment ? 'A link holds an experiment: load a model, or open results whose file names its experiment.' : tooBig;
  const copyLink = async () => {
    if (!experiment || linkProblem) return;
    const url = linkWithCurves(experiment, curves);
    try {
      await navigator.clipboard.writeText(url);
    } catch {
      window.prompt('Copy the link:', url);
    }
    setCopied(true);
    setTimeout(() => setCopied(false), 2000);
  };

  return (
    <section className="card panel" data-testid="open-results" aria-labelledby="open-results-title">
      <h3 id="open-results-title">Open results</h3>
      <p className="muted small">
        Plot results computed elsewhere beside the live curves — no model is loaded for them: the <code>steps*.jsonl</code> files that <code>run.py</code> writes on a GPU node (pick
        all shards of one run together), a <code>lab sweep</code> log, or a <code>lab import</code> / <code>lab run --json</code> Result. See docs/easyedit.md.
      </p>
      <label className={`button button-secondary small-button${busy ? ' disabled' : ''}`}>
        {busy ? 'Reading…' : 'Open results files…'}
        <input type="file" hidden multiple accept=".jsonl,.json,application/json" disabled={busy} data-testid="open-results-input" onChange={(ev) => {
          const files = ev.target.files ? [...ev.target.files] : [];
          ev.target.value = '';
          void openFiles(files);
        }} />
      </label>
      {error && (
        <div className="notice notice-bad" role="alert" data-testid="open-results-error">
          <div className="notice-row">
            <span>{error}</span>
            <button type="button" className="link-button" onClick={dismissError}>
              Dismiss
            </button>
          </div>
        </div>
      )}
      {entries.length > 0 && (
        <ul className="compare-list">
          {entries.map((e) => (
            <li key={e.series.id} data-testid="imported-result">
              <strong>{e.series.label}</strong>: {e.series.points.length - 1} edits{e.shared ? ' (from the link: ME-PPL only)' : ''}
              {e.model && !runsInBrowser(e.model) && <span className="muted small"> — made on {e.model}, which runs in EasyEdit, not in the browser</span>}{' '}
              <button type="button" className="link-button" onClick={() => remove(e.series.id)}>
                remove
              </button>
              {e.warnings.map((w) => (
                <p key={w} className="muted small" data-testid="imported-warning">
                  {w}
                </p>
              ))}
            </li>
          ))}
        </ul>
      )}
      {entries.length > 0 && (
        <div className="row">
          <button type="button" className="button button-secondary small-button" disabled={linkProblem !== null} onClick={() => void copyLink()} data-testid="copy-results-link">
            {copied ? 'Copied' : 'Copy a link with these curves'}
          </button>
          {linkProblem && <span className="muted small">{linkProblem}</span>}
        </div>
      )}
    </section>
  );
}
