// From an Experiment's "model" string back to where the browser can load it
// (the way there is workers/model-files.ts). A shared link is untrusted: it may
// name the bundled demo, a Hugging Face id (downloaded only after the user
// agrees), or a local folder (the user must pick it); never an arbitrary URL.
import { GPT2_PRESETS, type Gpt2Preset } from '../models/gpt2/presets.ts';
import type { ModelLocation } from '../models/lab-types.ts';

/**
 * The bundled model the lab loads by default, in one place. Its name in
 * experiments is its path in the repository (the CLI opens it as a folder);
 * the page fetches it from the same path under public/. The parameter count
 * serves time estimates before it loads.
 */
export const DEMO_MODEL = {
  id: 'public/models/tiny-gpt2',
  label: 'Demo model (tiny GPT-2, random weights)',
  description: 'tiny GPT-2, random weights, 4 layers, 13 MiB: for trying the lab; its perplexity is huge by design',
  parameterCount: 3_420_000,
} as const;
export const DEMO_MODEL_ID: string = DEMO_MODEL.id;
export const DEMO_MODEL_URL = `${DEMO_MODEL_ID.slice('public/'.length)}/`;
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
      return location.url === DEMO_MODEL_URL ? DEMO_MODEL.label : location.url;
    case 'files':
      return location.files[0]?.webkitRelativePath.split('/')[0] || location.files.map((f) => f.name).join(', ');
  }
}
