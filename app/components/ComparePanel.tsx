import { useState } from 'react';
import type { MethodName } from '../../models/method-names.ts';
import { EDIT_METHODS } from '../settings.ts';
import { useLabSession } from '../store-lab.ts';

const shortLabel = (id: MethodName) => EDIT_METHODS.find((m) => m.id === id)?.label.split(' ')[0] ?? id;

/** Run the same edits with another method; the current curve is kept, frozen, beside the new one. */
export function ComparePanel() {
  const steps = useLabSession((s) => s.steps.length);
  const method = useLabSession((s) => s.settings.method.name);
  const implemented = useLabSession((s) => s.model?.methods ?? null);
  const comparisons = useLabSession((s) => s.comparisons);
  const busy = useLabSession((s) => s.op !== null);
  const compare = useLabSession((s) => s.compareWith);
  const remove = useLabSession((s) => s.removeComparison);
  // Any implemented method but the current one (before a model is loaded: every method the form knows).
  const others = EDIT_METHODS.filter((m) => m.id !== method && (!implemented || implemented.includes(m.id)));
  const [picked, setPicked] = useState<MethodName | null>(null);
  const other = others.find((m) => m.id === picked) ?? others[0];
  const current = shortLabel(method);
  if (!other) return null;
  const otherName = shortLabel(other.id);
  return (
    <section className="card panel" data-testid="compare" aria-labelledby="compare-title">
      <h3 id="compare-title">Compare methods</h3>
      <p className="muted small">
        Re-runs the same {steps} edit{steps === 1 ? '' : 's'} with another method, at its defaults for this model. The {current} curve stays on the chart as a frozen,
        dashed series (one per method); the lab then continues with {otherName}. Repeat with more methods to overlay them.
      </p>
      <label className="field">
        <span>Method</span>
        <select value={other.id} onChange={(e) => setPicked(e.target.value as MethodName)} disabled={busy} data-testid="compare-method">
          {others.map((m) => (
            <option key={m.id} value={m.id}>
              {m.label}
            </option>
          ))}
        </select>
      </label>
      <button type="button" className="button button-secondary small-button" disabled={busy || steps === 0} onClick={() => void compare(other.id)} data-testid="compare-run">
        Run the same sequence with {otherName}
      </button>
      {comparisons.length > 0 && (
        <ul className="compare-list">
          {comparisons.map((c) => (
            <li key={c.id} data-testid="comparison">
              {c.label}: {c.points.length - 1} edits{' '}
              <button type="button" className="link-button" onClick={() => remove(c.id)}>
                remove
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
