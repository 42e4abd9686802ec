export function ProbingNotice() {
  return (
    <section className="card probing" data-testid="probing" aria-busy="true">
      <div className="spinner" aria-hidden="true" />
      <div>
        <h2>Checking your GPU…</h2>
        <p className="muted">Acquiring a WebGPU device in the lab's worker and running a test kernel.</p>
      </div>
    </section>
  );
}
