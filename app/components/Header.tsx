import { GpuStatusBadge } from './GpuStatusBadge.tsx';

export function Header() {
  return (
    <header className="header" data-testid="lab-header">
      <div className="header-brand">
        <img className="header-logo" src="/favicon.svg" alt="" width={32} height={32} />
        <div>
          <h1 className="header-title">Butterfly Lab</h1>
          <p className="header-tagline">Edit a GPT-2 model with ROME and watch it collapse — on your own GPU, in your browser.</p>
        </div>
      </div>
      <GpuStatusBadge />
    </header>
  );
}
