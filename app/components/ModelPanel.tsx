import { useEffect, useState } from 'react';
import { GPT2_PRESETS } from '../../models/gpt2/presets.ts';
import type { ModelLocation } from '../../models/lab-types.ts';
import type { ProbeSuccess } from '../../workers/protocol.ts';
import { checkPresetFit } from '../model-fit.ts';
import { DEMO_LOCATION, DEMO_MODEL, DEMO_MODEL_URL } from '../model-location.ts';
import { useLabSession } from '../store-lab.ts';
import { LocalModelPicker } from './LocalModelPicker.tsx';
import { ModelSummaryCard } from './ModelSummaryCard.tsx';
import { PresetOption } from './PresetOption.tsx';

type Source = 'demo' | 'local' | (typeof GPT2_PRESETS)[number]['id'];

/** Which choice a loaded model came from, so the selector shows what is loaded. */
function sourceOf(location: ModelLocation): Source {
  if (location.kind === 'files') return 'local';
  if (location.kind === 'hub') return GPT2_PRESETS.find((p) => p.hfRepo === location.id)?.id ?? 'demo';
  return location.url === DEMO_MODEL_URL ? 'demo' : 'local';
}

/** Choose a model (the bundled demo, a GPT-2 size from the hub, or local files) and load it. */
export function ModelPanel({ probe }: { probe: ProbeSuccess }) {
  const loadModel = useLabSession((s) => s.loadModel);
  const busy = useLabSession((s) => s.op !== null);
  const model = useLabSession((s) => s.model);
  const loaded = useLabSession((s) => s.location);
  const edits = useLabSession((s) => s.steps.length);
  const [source, setSource] = useState<Source>('demo');
  const [files, setFiles] = useState<File[] | null>(null);
  // The selector follows what is loaded (a link may load a hub model).
  useEffect(() => {
    if (loaded) setSource(sourceOf(loaded));
  }, [loaded]);
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
  // The loaded model itself needs no second load (Reset all drops its edits).
  const isLoaded = model !== null && loaded !== null && location !== null && sameLocation(location, loaded);
  const load = async (target: ModelLocation) => {
    // A failed load leaves the previous model in place: the selector goes back to it.
    if (!(await loadModel(target))) {
      const current = useLabSession.getState().location;
      if (current) setSource(sourceOf(current));
    }
  };

  return (
    <section className="card panel" data-testid="model-panel" aria-labelledby="model-title">
      <h3 id="model-title">Model</h3>
      <div className="choices" role="radiogroup" aria-label="Model source">
        <label className="choice">
          <input type="radio" name="model-source" checked={source === 'demo'} onChange={() => setSource('demo')} data-testid="source-demo" />
          <span>
            <strong>Demo model (offline)</strong>
            <span className="muted small"> {DEMO_MODEL.description}</span>
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
        disabled={busy || !location || blocked || isLoaded}
        onClick={() => location && void load(location)}
      >
        {isLoaded ? 'Loaded' : model && edits > 0 ? `Load this model (drops the ${edits} edit${edits === 1 ? '' : 's'})` : model ? 'Load this model' : 'Load model'}
      </button>
      {model && <ModelSummaryCard model={model} />}
    </section>
  );
}

function sameLocation(a: ModelLocation, b: ModelLocation): boolean {
  if (a.kind === 'url' && b.kind === 'url') return a.url === b.url;
  if (a.kind === 'hub' && b.kind === 'hub') return a.id === b.id;
  if (a.kind === 'files' && b.kind === 'files') return a.files.length === b.files.length && a.files.every((f, i) => f === b.files[i]);
  return false;
}
