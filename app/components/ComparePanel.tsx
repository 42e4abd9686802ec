import { EDIT_METHODS } from '../settings.ts';
import { useLabSession } from '../store-lab.ts';

/** Run the same edits with the other method; the current curve is kept, frozen, beside the new one. */
export function ComparePanel() {
  const steps = useLabSession((s) => s.steps.length);
  const method = useLabSession((s) => s.settings.method.name);
  const comparisons = useLabSession((s) => s.comparisons);
  const busy = useLabSession((s) => s.op !== null);
  const compare = useLabSession((s) => s.compareWith);
  const remove = useLabSession((s) => s.removeComparison);
  const other = EDIT_METHODS.find((m) => m.id !== method)!;
  const current = EDIT_METHODS.find((m) => m.id === method)?.label.split(' ')[0] ?? method;
  const otherName = other.label.split(' ')[0];
  return (
    <section className="card panel" data-testid="compare" aria-labelledby="compare-title">
      <h3 id="compare-title">Compare methods</h3>
      <p className="muted small">
        Re-runs the same {steps} edit{steps === 1 ? '' : 's'} with {otherName}. The {current} curve stays on the chart as a frozen, dashed series; the lab then continues
        with {otherName} (run this again to switch back).
      </p>
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
