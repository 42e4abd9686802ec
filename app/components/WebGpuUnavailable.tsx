import type { LabErrorInfo } from '../../workers/protocol.ts';
import { useGpuStore } from '../store.ts';
import { UNAVAILABLE_REASONS } from '../unavailable-reasons.ts';
import { TextWithCode } from './TextWithCode.tsx';

/** The full-page explanation shown instead of the lab when there is no usable GPU. */
export function WebGpuUnavailable({ error }: { error: LabErrorInfo }) {
  const runProbe = useGpuStore((s) => s.runProbe);
  const reason = UNAVAILABLE_REASONS[error.kind];
  return (
    <section className="unavailable" role="alert" data-testid="webgpu-unavailable" data-kind={error.kind}>
      <h2 className="unavailable-title" data-testid="unavailable-title">
        {reason.title}
      </h2>
      <p className="unavailable-cause">{reason.cause}</p>
      <h3>What you can do</h3>
      <ol className="steps">
        {reason.steps.map((step) => (
          <li key={step}>
            <TextWithCode text={step} />
          </li>
        ))}
      </ol>
      <div className="actions">
        {reason.retry ? (
          <button type="button" className="button" data-testid="retry-button" onClick={() => void runProbe()}>
            {error.kind === 'device-lost' ? 'Reconnect to the GPU' : 'Try again'}
          </button>
        ) : (
          <button type="button" className="button" data-testid="reload-button" onClick={() => location.reload()}>
            Reload the page
          </button>
        )}
      </div>
      <details className="details" open>
        <summary>Technical details</summary>
        <dl className="facts">
          <div className="fact">
            <dt>Kind</dt>
            <dd>
              <code data-testid="unavailable-kind">{error.kind}</code>
            </dd>
          </div>
          <div className="fact">
            <dt>Message</dt>
            <dd data-testid="unavailable-message">{error.message}</dd>
          </div>
          <div className="fact">
            <dt>Hint</dt>
            <dd>{error.hint}</dd>
          </div>
          <div className="fact">
            <dt>Browser</dt>
            <dd>{navigator.userAgent}</dd>
          </div>
          <div className="fact">
            <dt>Secure context</dt>
            <dd>{String(window.isSecureContext)}</dd>
          </div>
        </dl>
      </details>
    </section>
  );
}
