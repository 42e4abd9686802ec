import type { KernelCheck } from '../../workers/protocol.ts';
import { formatMs } from '../format.ts';

export function KernelCheckResult({ check }: { check: KernelCheck }) {
  return (
    <div className="card" data-testid="kernel-check" data-passed={String(check.passed)}>
      <h3>Kernel check</h3>
      <p className={`verdict ${check.passed ? 'verdict-ok' : 'verdict-bad'}`} data-testid="kernel-check-verdict">
        {check.passed ? '✓ passed' : '✗ failed'}
      </p>
      <dl className="facts">
        <div className="fact">
          <dt>Kernel</dt>
          <dd>
            <code>{check.kernel}</code> on {check.n.toLocaleString('en-US')} floats, compared with the CPU
          </dd>
        </div>
        <div className="fact">
          <dt>Max error</dt>
          <dd>{check.maxAbsError === 0 ? '0 (exact)' : check.maxAbsError.toExponential(2)}</dd>
        </div>
        {check.firstMismatch >= 0 && (
          <div className="fact">
            <dt>First mismatch</dt>
            <dd>index {check.firstMismatch}</dd>
          </div>
        )}
        <div className="fact">
          <dt>Time</dt>
          <dd data-testid="kernel-check-time">{formatMs(check.elapsedMs)} (incl. shader compile)</dd>
        </div>
        {check.error && (
          <div className="fact">
            <dt>GPU error</dt>
            <dd className="error-text">{check.error}</dd>
          </div>
        )}
      </dl>
    </div>
  );
}
