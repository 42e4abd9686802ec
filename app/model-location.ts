// From an Experiment's "model" string back to where the browser can load it
// (the way there is workers/model-files.ts). A shared link is untrusted: it may
// name the bundled demo, a Hugging Face id (downloaded only after the user
// agrees), or a local folder (the user must pick it); never an arbitrary URL.
import { parseGpt2Config } from '../models/gpt2/config.ts';
import { GPT2_PRESETS, gpt2ParameterCount, type Gpt2Preset } from '../models/gpt2/presets.ts';
import type { ModelLocation } from '../models/lab-types.ts';
import demoConfigJson from '../public/models/demo-gpt2/config.json' with { type: 'json' };
import fixtureConfigJson from '../public/models/tiny-gpt2/config.json' with { type: 'json' };

// The trained demo model (training/, its MODEL_CARD.md), in one place; the
// random tiny-gpt2 beside it is a test fixture. Its name in experiments is its
// path in the repository (the CLI opens it as a folder); the page fetches it
// from the same path under public/. Its shape comes from its own config.json,
// so the parameter count for time estimates before it loads cannot drift.
const demoConfig = parseGpt2Config(demoConfigJson);
export const DEMO_MODEL = {
  id: 'public/models/demo-gpt2',
  label: 'Demo model (6-layer GPT-2 trained on Wikipedia and 1,685 facts)',
  description: `a ${demoConfig.nLayer}-layer GPT-2 (width ${demoConfig.nEmbd}, ${demoConfig.nPositions} positions) trained here on Wikipedia and the lab's facts: it knows its facts, so edits show what they do (see its model card)`,
  parameterCount: gpt2ParameterCount(demoConfig),
  nPositions: demoConfig.nPositions,
} as const;
/** The demo's name in experiments: its path in the repository, which the CLI opens as a folder. */
export const DEMO_MODEL_ID: string = DEMO_MODEL.id;
export const DEMO_MODEL_URL = `${DEMO_MODEL_ID.slice('public/'.length)}/`;
/** The random test fixture beside the demo (the e2e mechanics specs load it; a link may name it too). */
export const FIXTURE_MODEL_ID = 'public/models/tiny-gpt2';
/** Parameter counts of the models shipped under public/models, by experiment id, from their own configs: time estimates before a load. */
export const BUNDLED_PARAMETER_COUNTS: Readonly<Record<string, number>> = {
  [DEMO_MODEL.id]: DEMO_MODEL.parameterCount,
  [FIXTURE_MODEL_ID]: gpt2ParameterCount(parseGpt2Config(fixtureConfigJson)),
};
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
