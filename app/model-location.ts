// From an Experiment's "model" string back to where the browser can load it
// (the way there is workers/model-files.ts). A shared link is untrusted: it may
// name the bundled demo, a Hugging Face id (downloaded only after the user
// agrees), or a local folder (the user must pick it); never an arbitrary URL.
import { GPT2_PRESETS, type Gpt2Preset } from '../models/gpt2/presets.ts';
import type { ModelLocation } from '../models/lab-types.ts';

// The trained demo model (training/, MODEL_CARD.md); the random tiny-gpt2 beside it is a test fixture.
export const DEMO_MODEL_URL = 'models/demo-gpt2/';
/** The demo's name in experiments: its path in the repository, which the CLI opens as a folder. */
export const DEMO_MODEL_ID = 'public/models/demo-gpt2';
export const DEMO_LOCATION: ModelLocation = { kind: 'url', url: DEMO_MODEL_URL };

export type ModelResolution =
  | { kind: 'ready'; location: ModelLocation } // load at once (shipped with the app)
  | { kind: 'confirm'; location: ModelLocation; preset: Gpt2Preset | null } // a download: ask first
  | { kind: 'pick-files'; name: string } // a local folder: the user must pick it again
  | { kind: 'refused'; reason: string };

const HUB_ID = /^[A-Za-z0-9][\w.-]{0,95}(\/[A-Za-z0-9][\w.-]{0,95})?$/;

export function resolveModelId(model: string): ModelResolution {
  if (model.startsWith('public/')) {
    const path = model.slice('public/'.length);
    if (!/^[\w-]+(\/[\w-]+)*$/.test(path)) return { kind: 'refused', reason: `“${model}” is not a folder of this app.` };
    return { kind: 'ready', location: { kind: 'url', url: `${path}/` } };
  }
  if (model.startsWith('./') || model.startsWith('/') || /^[A-Za-z]:[\\/]/.test(model)) return { kind: 'pick-files', name: model };
  if (/^[a-z][a-z0-9+.-]*:/i.test(model)) return { kind: 'refused', reason: 'Shared experiments may name a Hugging Face model or the demo model, not a web address.' };
  if (HUB_ID.test(model) && !model.includes('..')) {
    const preset = GPT2_PRESETS.find((p) => p.hfRepo === model || p.id === model) ?? null;
    return { kind: 'confirm', location: { kind: 'hub', id: model }, preset };
  }
  return { kind: 'refused', reason: `“${model.slice(0, 80)}” is neither a Hugging Face model id nor a local folder.` };
}

/** What to call a location in the UI. */
export function locationLabel(location: ModelLocation): string {
  switch (location.kind) {
    case 'hub':
      return GPT2_PRESETS.find((p) => p.hfRepo === location.id)?.label ?? location.id;
    case 'url':
      return location.url === DEMO_MODEL_URL ? 'Demo model (6-layer GPT-2 trained on Wikipedia and 1,685 facts)' : location.url;
    case 'files':
      return location.files[0]?.webkitRelativePath.split('/')[0] || location.files.map((f) => f.name).join(', ');
  }
}
