// Between an Experiment (the shareable record) and the LabSettings the
// worker takes. Pure logic.
import { DEFAULT_COLLAPSE_FACTOR } from '../models/defaults.ts';
import type { Experiment } from '../models/experiment.ts';
import type { LabSettings } from '../workers/protocol.ts';

export function settingsFromExperiment(exp: Experiment, defaults: LabSettings): LabSettings {
  const plan = { ...defaults.plan };
  if (exp.eval?.texts !== undefined) plan.texts = exp.eval.texts;
  if (exp.eval?.collapse_factor !== undefined) plan.collapseFactor = exp.eval.collapse_factor;
  if (exp.eval?.tasks !== undefined) plan.tasks = exp.eval.tasks;
  return { method: { ...exp.method }, mode: exp.mode, stats: exp.stats ?? defaults.stats, plan };
}

/** The same edits under other settings (a settings change or a method comparison re-runs the sequence). */
export function experimentWithSettings(exp: Experiment, s: LabSettings): Experiment {
  return {
    ...exp,
    method: { ...s.method },
    mode: s.mode,
    stats: s.stats,
    eval: {
      ...exp.eval,
      texts: s.plan.texts,
      collapse_factor: s.plan.collapseFactor ?? exp.eval?.collapse_factor ?? DEFAULT_COLLAPSE_FACTOR,
      ...(s.plan.tasks ? { tasks: s.plan.tasks } : {}),
    },
  };
}
