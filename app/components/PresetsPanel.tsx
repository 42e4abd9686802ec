import { useEffect, useState } from 'react';
import { currentLessonParams, joinHash, writeLessonParams } from '../lesson/hash-params.ts';
import { PRESETS } from '../lesson/presets.ts';
import { runPreset } from '../lesson/run-preset.ts';
import { useLabSession } from '../store-lab.ts';

const presetHref = (id: string) => `${location.pathname}${location.search}#${joinHash({ preset: id }, null)}`;

/** Curated experiments, one click each; each is also a link ("#preset=…") to share or open in a new tab. */
export function PresetsPanel() {
  const busy = useLabSession((s) => s.op !== null || s.queue.length > 0);
  const [running, setRunning] = useState<string | null>(null);
  const run = async (id: string) => {
    setRunning(id);
    try {
      await runPreset(id);
    } finally {
      setRunning(null);
    }
  };
  // A preset link opens its preset once, then leaves the experiment in the URL.
  useEffect(() => {
    const params = currentLessonParams();
    if (!params.preset) return;
    const { preset: id, ...rest } = params;
    writeLessonParams(rest);
    void run(id);
  }, []);
  return (
    <section className="card panel" aria-labelledby="presets-title" data-testid="presets">
      <h3 id="presets-title">Presets</h3>
      <ul className="presets">
        {PRESETS.map((p) => (
          <li key={p.id}>
            <a
              href={presetHref(p.id)}
              className="preset-link"
              data-testid={`preset-${p.id}`}
              aria-disabled={busy || running !== null}
              onClick={(e) => {
                if (e.ctrlKey || e.metaKey || e.shiftKey || e.button !== 0) return; // a new tab opens the link itself
                e.preventDefault();
                if (!busy && running === null) void run(p.id);
              }}
            >
              {running === p.id ? `${p.title} (running…)` : p.title}
            </a>
            <span className="muted small"> {p.description}</span>
          </li>
        ))}
      </ul>
      {busy && <p className="muted small">Presets wait until the current operation ends.</p>}
    </section>
  );
}
