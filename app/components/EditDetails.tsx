import { formatMs, formatNumber, formatProb, formatPpl } from '../format.ts';
import { useLabSession } from '../store-lab.ts';
import { lazy, Suspense } from 'react';

// recharts lives in the chart's chunk: loaded when first needed.
const LossSparkline = lazy(() => import('./LossSparkline.tsx').then((m) => ({ default: m.LossSparkline })));

/** One edit up close: what the model said before and after, and the update's diagnostics. */
export function EditDetails() {
  const steps = useLabSession((s) => s.steps);
  const selected = useLabSession((s) => s.selectedEdit);
  const defaultLayer = useLabSession((s) => s.model?.defaultLayer);
  const step = selected !== null ? steps[selected] : steps[steps.length - 1];
  if (!step) return null;
  const d = step.diagnostics;
  return (
    <section className="card panel" data-testid="edit-details" data-edit={step.edit} aria-labelledby="details-title">
      <h3 id="details-title">
        Edit {step.edit + 1}: {step.request.prompt.replace('{}', step.request.subject)} <strong>{step.request.target_new}</strong>
      </h3>
      <div className="before-after">
        <div>
          <h4>Before</h4>
          <p>P(new target) {formatProb(step.before.targetProb)}</p>
          <p className="generation">
            <span className="muted">{step.request.prompt.replace('{}', step.request.subject)}</span>
            {step.before.generation}
          </p>
        </div>
        <div>
          <h4>After</h4>
          <p data-testid="after-prob">P(new target) {formatProb(step.after.targetProb)}</p>
          <p className="generation">
            <span className="muted">{step.request.prompt.replace('{}', step.request.subject)}</span>
            {step.after.generation}
          </p>
        </div>
      </div>
      <div className="details-grid">
        <dl className="facts compact">
          <div className="fact">
            <dt>Method</dt>
            <dd>
              {step.method.name.toUpperCase()}{' '}
              {step.method.layers
                ? `at layers ${step.method.layers.join(', ')}`
                : d.per_layer
                  ? `on ${d.per_layer.map((p) => p.param).join(', ')}`
                  : `at layer ${step.method.layer ?? defaultLayer}`}
              {step.requests && step.requests.length > 1 ? ` (a batch of ${step.requests.length})` : ''}
            </dd>
          </div>
          {/* Methods without a denominator or a δ (MEMIT, AlphaEdit: no denominator; FT-L: neither) report NaN: not shown. */}
          {!Number.isNaN(d.denominator) && (
            <div className="fact">
              <dt>Denominator</dt>
              <dd>{formatNumber(d.denominator)}</dd>
            </div>
          )}
          {!Number.isNaN(d.delta_norm) && (
            <div className="fact">
              <dt>‖δ‖</dt>
              <dd>{formatNumber(d.delta_norm)}</dd>
            </div>
          )}
          <div className="fact">
            <dt>‖ΔW‖</dt>
            <dd>{formatNumber(d.update_norm)}</dd>
          </div>
          <div className="fact">
            <dt>Subject at start</dt>
            <dd className={d.subject_at_start ? 'error-text' : ''}>{d.subject_at_start ? 'yes — collapse risk' : 'no'}</dd>
          </div>
          <div className="fact">
            <dt>Target NLL</dt>
            <dd>
              {formatNumber(d.target_nll_before)} → {formatNumber(d.target_nll_after)}
            </dd>
          </div>
          <div className="fact">
            <dt>ME-PPL after</dt>
            <dd>
              {formatPpl(step.metrics.me_ppl)}
              {step.metrics.collapsed && <span className="collapsed-tag">collapsed</span>}
            </dd>
          </div>
          {step.metrics.collapseReason && (
            <div className="fact">
              <dt>Why collapsed</dt>
              <dd>{step.metrics.collapseReason}</dd>
            </div>
          )}
          <div className="fact">
            <dt>Time</dt>
            <dd>{formatMs(step.elapsedMs)}</dd>
          </div>
        </dl>
        <div>
          <h4>{d.loss_name ?? 'v* loss'} per step</h4>
          <Suspense fallback={<span className="muted">…</span>}>
            <LossSparkline losses={d.v_loss} />
          </Suspense>
          {d.per_layer && d.per_layer.length > 0 && (
            <table className="per-layer" data-testid="per-layer">
              <thead>
                <tr>
                  <th>Tensor</th>
                  <th>‖Δ‖</th>
                  {d.per_layer.some((p) => p.P_rank !== undefined) && <th>rank P</th>}
                  {d.per_layer.some((p) => p.at_bound !== undefined) && <th>on the clamp</th>}
                </tr>
              </thead>
              <tbody>
                {d.per_layer.map((p) => (
                  <tr key={p.param}>
                    <td>{p.param}</td>
                    <td>{formatNumber(p.update_norm)}</td>
                    {p.P_rank !== undefined && <td>{p.P_rank}</td>}
                    {p.at_bound !== undefined && (
                      <td>
                        {p.at_bound} of {p.elements}
                      </td>
                    )}
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </div>
      </div>
    </section>
  );
}
