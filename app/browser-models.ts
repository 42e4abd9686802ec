// Which models the browser engine runs: GPT-2 only (WGSL kernels for its
// blocks). An Experiment may name any Hugging Face causal LM — for export to
// EasyEdit (docs/easyedit.md) — and the lab says so plainly instead of trying.
import { GPT2_PRESETS } from '../models/gpt2/presets.ts';

/** True for the demo, local folders (checked when loaded) and hub ids that are GPT-2 models. */
export function runsInBrowser(model: string): boolean {
  if (model.startsWith('public/') || model.startsWith('./') || model.startsWith('/') || /^[A-Za-z]:[\\/]/.test(model)) return true;
  if (GPT2_PRESETS.some((p) => p.hfRepo === model || p.id === model)) return true;
  return /gpt-?2/i.test(model.split('/').pop() ?? model);
}

export function notInBrowserMessage(model: string): string {
  return `“${model.slice(0, 120)}” is not a GPT-2 model: only GPT-2 runs in the browser. The experiment can still run on a GPU node with EasyEdit — download it and run npm run -s lab -- export easyedit experiment.json --out <dir> — and its results open here with “Open results”.`;
}
