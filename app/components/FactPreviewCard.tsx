import { formatNumber, formatProb } from '../format.ts';
import { useLabSession } from '../store-lab.ts';

/** What the model says now for the chosen fact, and ROME's early warnings ("The Fall of ROME"). */
export function FactPreviewCard() {
  const preview = useLabSession((s) => s.preview);
  const hasModel = useLabSession((s) => s.model !== null);
  const busy = useLabSession((s) => s.op !== null || s.queue.length > 0);
  if (!preview) return null;
  if (!hasModel) return <p className="muted small">Load a model to see what it predicts for this fact.</p>;
  if (preview.error) return <p className="field-error">Preview failed: {preview.error.message}</p>;
  const r = preview.result;
  if (!r) return <p className="muted small" data-testid="fact-preview-loading">{busy ? 'Preview: after the running operation…' : 'Preview: asking the model…'}</p>;
  return (
    <div className="preview" data-testid="fact-preview">
      {r.subjectAtStart && (
        <p className="notice notice-warn small" data-testid="subject-at-start">
          The subject’s last token is the prompt’s first token: ROME’s classic collapse case (“The Fall of ROME”). Expect this edit to break the model.
        </p>
      )}
      <dl className="facts compact">
        <div className="fact">
          <dt>Top prediction</dt>
          <dd>
            <code>{JSON.stringify(r.topPrediction.token)}</code> ({formatProb(r.topPrediction.prob)})
          </dd>
        </div>
        <div className="fact">
          <dt>P(new target)</dt>
          <dd data-testid="preview-p-new">{formatProb(r.targetNewProb)}</dd>
        </div>
        <div className="fact">
          <dt>P(true target)</dt>
          <dd>{formatProb(r.targetTrueProb)}</dd>
        </div>
        <div className="fact">
          <dt>Denominator</dt>
          <dd data-testid="preview-denominator">
            {r.denominator === null ? 'computed at the first edit (needs the key statistics)' : `${formatNumber(r.denominator)}${Math.abs(r.denominator) < 1e-2 ? ' — tiny: the update may explode' : ''}`}
          </dd>
        </div>
      </dl>
    </div>
  );
}
