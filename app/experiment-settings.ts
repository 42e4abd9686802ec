// Between an Experiment (the shareable record) and the LabSettings the
// worker takes: the same fields, less the model and the edits. Pure logic.
import type { Experiment } from '../models/experiment.ts';
import type { LabSettings } from '../workers/protocol.ts';

export function settingsFromExperiment(exp: Experiment, defaults: LabSettings): LabSettings {
  return { method: { ...exp.method }, mode: exp.mode, stats: exp.stats ?? defaults.stats, eval: { ...defaults.eval, ...exp.eval } };
}

/** The same edits under other settings (a settings change or a method comparison re-runs the sequence). */
export function experimentWithSettings(exp: Experiment, s: LabSettings): Experiment {
  return { ...exp, method: { ...s.method }, mode: s.mode, stats: s.stats, eval: structuredClone(s.eval) };
}
