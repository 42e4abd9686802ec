import { useState } from 'react';
import { GPT2_PRESETS } from '../../models/gpt2/presets.ts';
import type { ModelLocation } from '../../models/lab-types.ts';
import type { ProbeSuccess } from '../../workers/protocol.ts';
import { checkPresetFit } from '../model-fit.ts';
import { DEMO_LOCATION } from '../model-location.ts';
import { useLabSession } from '../store-lab.ts';
import { LocalModelPicker } from './LocalModelPicker.tsx';
import { ModelSummaryCard } from './ModelSummaryCard.tsx';
import { PresetOption } from './PresetOption.tsx';

type Source = 'demo' | 'local' | (typeof GPT2_PRESETS)[number]['id'];

/** Choose a model (the bundled demo, a GPT-2 size from the hub, or local files) and load it. */
export function ModelPanel({ probe }: { probe: ProbeSuccess }) {
  const loadModel = useLabSession((s) => s.loadModel);
  const busy = useLabSession((s) => s.op !== null);
  const model = useLabSession((s) => s.model);
  const [source, setSource] = useState<Source>('demo');
  const [files, setFiles] = useState<File[] | null>(null);
  const fits = Object.fromEntries(GPT2_PRESETS.map((p) => [p.id, checkPresetFit(p, probe.info.limits, probe.info.isSoftware)]));

  let location: ModelLocation | null = null;
  let blocked = false;
  if (source === 'demo') location = DEMO_LOCATION;
  else if (source === 'local') location = files ? { kind: 'files', files } : null;
  else {
    const preset = GPT2_PRESETS.find((p) => p.id === source)!;
    location = { kind: 'hub', id: preset.hfRepo };
    blocked = fits[source]!.blockers.length > 0;
  }

  return (
    <section className="card panel" data-testid="model-panel" aria-labelledby="model-title">
      <h3 id="model-title">Model</h3>
      <div className="choices" role="radiogroup" aria-label="Model source">
        <label className="choice">
          <input type="radio" name="model-source" checked={source === 'demo'} onChange={() => setSource('demo')} data-testid="source-demo" />
          <span>
            <strong>Demo model (offline)</strong>
            <span className="muted small"> a 6-layer GPT-2 trained here on Wikipedia and 1,685 facts, 15 MiB: it knows its facts, so edits show what they do (see its model card)</span>
          </span>
        </label>
        {GPT2_PRESETS.map((p) => (
          <PresetOption key={p.id} preset={p} fit={fits[p.id]!} checked={source === p.id} onSelect={() => setSource(p.id)} />
        ))}
        <label className="choice">
          <input type="radio" name="model-source" checked={source === 'local'} onChange={() => setSource('local')} data-testid="source-local" />
          <span>
            <strong>Local folder or files</strong>
            <span className="muted small"> config.json + model.safetensors (GPT-2 layout)</span>
          </span>
        </label>
      </div>
      {source === 'local' && <LocalModelPicker files={files} onFiles={setFiles} />}
      <button
        type="button"
        className="button wide"
        data-testid="load-model"
        disabled={busy || !location || blocked}
        onClick={() => location && void loadModel(location)}
      >
        {model ? 'Load this model (drops the edits)' : 'Load model'}
      </button>
      {model && <ModelSummaryCard model={model} />}
    </section>
  );
}
