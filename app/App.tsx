import { useEffect } from 'react';
import { useLabStore } from './store.ts';
import { Header } from './components/Header.tsx';
import { Diagnostics } from './components/Diagnostics.tsx';
import { ProbingNotice } from './components/ProbingNotice.tsx';
import { WebGpuUnavailable } from './components/WebGpuUnavailable.tsx';

export function App() {
  const status = useLabStore((s) => s.status);
  const probe = useLabStore((s) => s.probe);
  const error = useLabStore((s) => s.error);
  const start = useLabStore((s) => s.start);

  useEffect(() => start(), [start]);

  let content;
  if (status === 'failed' && error) content = <WebGpuUnavailable error={error} />;
  else if (status === 'ready' && probe) content = <Diagnostics probe={probe} />;
  else content = <ProbingNotice />;

  return (
    <div className="app">
      <Header />
      <main className="main">{content}</main>
    </div>
  );
}
