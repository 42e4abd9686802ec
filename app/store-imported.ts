// Results opened from files (run.py under EasyEdit, lab sweep, lab run --json)
// or carried by a share link: curves plotted beside the live ones, with no
// model loaded. The files picked together are one result (shards merge, as
// `lab import` does). A bad file leaves what is open as it was and says why.
import { create } from 'zustand';
import { parseExperiment, type Experiment } from '../models/experiment.ts';
import { mergeResults, RESULT_LIMITS, ResultsError } from '../models/results.ts';
import { runsInBrowser } from './browser-models.ts';
import type { CurveSeries } from './curve.ts';
import { importedCurve, importedLabel } from './imported-curve.ts';

export interface ImportedEntry {
  series: CurveSeries;
  /** The model the result was made on, when the file says. */
  model: string | null;
  /** The result's experiment, when it is one the lab can read (for share links). */
  experiment: Experiment | null;
  warnings: string[];
  sources: string[];
  /** From a share link (ME-PPL only), not from files. */
  shared: boolean;
}

export interface ImportedState {
  entries: ImportedEntry[];
  error: string | null;
  busy: boolean;
  /** An opened experiment whose model cannot run in the browser (kept so it can be downloaded). */
  foreign: Experiment | null;
  openFiles(files: readonly File[]): Promise<void>;
  addShared(curves: CurveSeries[]): void;
  remove(id: string): void;
  dismissError(): void;
  setForeign(exp: Experiment | null): void;
}

let nextId = 1;

export const useImportedResults = create<ImportedState>()((set, get) => ({
  entries: [],
  error: null,
  busy: false,
  foreign: null,

  async openFiles(files) {
    if (!files.length) return;
    set({ busy: true, error: null });
    try {
      const texts: { name: string; text: string }[] = [];
      for (const f of files) {
        if (f.size > RESULT_LIMITS.fileBytes) throw new ResultsError(`${f.name} is larger than ${RESULT_LIMITS.fileBytes / 2 ** 20} MiB`);
        texts.push({ name: f.name, text: await f.text() });
      }
      const merged = mergeResults(texts);
      const model = typeof merged.experiment?.model === 'string' ? merged.experiment.model : null;
      let experiment: Experiment | null = null;
      try {
        experiment = merged.experiment ? parseExperiment(merged.experiment) : null;
      } catch {
        experiment = null; // a method this lab does not parse yet: still plotted, just not linkable
      }
      // Gaps alone (cases announced by the header, none back yet) are nothing to plot.
      if (!merged.steps.length) throw new ResultsError(`${texts.map((t) => t.name).join(', ')}: no edit has a result yet (only the unedited baseline${merged.failed.length ? `; ${merged.failed.length} failed` : ''})`);
      const series = importedCurve(merged, { id: `imported-${nextId++}`, label: importedLabel(merged) });
      set({ entries: [...get().entries, { series, model, experiment, warnings: merged.warnings, sources: merged.sources, shared: false }] });
    } catch (e) {
      set({ error: e instanceof ResultsError ? e.message : `The results could not be read: ${e instanceof Error ? e.message : String(e)}` });
    } finally {
      set({ busy: false });
    }
  },

  addShared(curves) {
    if (!curves.length) return;
    set({ entries: [...get().entries, ...curves.map((series) => ({ series: { ...series, id: `imported-${nextId++}` }, model: null, experiment: null, warnings: [], sources: [], shared: true }))] });
  },

  remove(id) {
    set({ entries: get().entries.filter((e) => e.series.id !== id) });
  },

  dismissError() {
    set({ error: null });
  },

  setForeign(exp) {
    set({ foreign: exp && !runsInBrowser(exp.model) ? exp : null });
  },
}));
