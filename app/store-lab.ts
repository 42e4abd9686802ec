// The lab session: the loaded model, the applied settings, the edit steps
// (always kept equal to the worker's snapshot), the running operation with its
// progress, the visible queue of edits waiting their turn, frozen comparison
// curves, and the experiment mirrored into the URL and local storage (with the
// computed points, so a reload shows them at once and replays to verify them).
// An experiment opened from a link or a saved session is held in the URL
// until the user changes the experiment: a cancelled or failed replay must not
// overwrite the link with what the lab reached.
// Everything reaches the worker through workers/client.ts; worker calls are
// serialised here (the worker runs one operation at a time and would refuse a
// second as 'busy').
import * as Comlink from 'comlink';
import { create } from 'zustand';
import { DEFAULT_COLLAPSE_FACTOR } from '../models/defaults.ts';
import type { EditRequest, Experiment, MethodName } from '../models/experiment.ts';
import type { EditStep, EvalPoint, FactPreview, ModelLocation, ModelSummary } from '../models/lab-types.ts';
import { isLabErrorInfo, labClient, toLabErrorInfo } from '../workers/client.ts';
import type { FactPositions, LabErrorInfo, LabSettings, Progress } from '../workers/protocol.ts';
import { curveOf, type CurveSeries } from './curve.ts';
import { experimentWithSettings, settingsFromExperiment } from './experiment-settings.ts';
import { estimateReplay, needsConfirmation, settingsProblems, type ReplayEstimate } from './link-check.ts';
import { pickModelFiles } from './local-files.ts';
import { resolveModelId, type ModelResolution } from './model-location.ts';
import { loadPoints, savePoints, type SavedPoints } from './points-cache.ts';
import { saveSession } from './session-storage.ts';
import { defaultSettings, EDIT_METHODS } from './settings.ts';
import { clearShareHash, writeShareHash } from './share-hash.ts';
import { onGpuFailure, useGpuStore } from './store.ts';

export type OpKind = 'load' | 'settings' | 'edit' | 'undo' | 'reset' | 'replay' | 'rebuild';

export interface RunningOp {
  kind: OpKind;
  title: string;
  progress: Progress | null;
  /** The edit being applied (kind 'edit'). */
  request?: EditRequest;
}

export interface QueuedEdit {
  id: number;
  request: EditRequest;
}

/** A shared or saved experiment waiting for the user (a download to confirm, a folder to pick, a session to restore). */
export interface PendingExperiment {
  experiment: Experiment;
  source: 'link' | 'session';
  resolution: ModelResolution;
  /** Frozen comparison curves the link carries. */
  comparisons: CurveSeries[];
  /** What replaying it costs here (why it asks). */
  estimate: ReplayEstimate;
  /** Run the same edits with this method beside it once the replay reached the experiment (a preset's comparison). */
  thenCompare?: MethodName;
}

export interface PreviewState {
  request: EditRequest;
  /** Checked at once, before the preview (which waits for any running operation). */
  positions: FactPositions | null;
  result: FactPreview | null;
  error: LabErrorInfo | null;
  loading: boolean;
}

export interface LabSessionState {
  location: ModelLocation | null;
  model: ModelSummary | null;
  baseline: EvalPoint | null;
  steps: EditStep[];
  settings: LabSettings;
  experiment: Experiment | null;
  op: RunningOp | null;
  queue: QueuedEdit[];
  /** The last failure, until dismissed. */
  error: LabErrorInfo | null;
  /** Information for the user (cancelled, rebuilt after a device loss, ...). */
  notice: string | null;
  rebuilding: boolean;
  comparisons: CurveSeries[];
  /** Saved points of the experiment being opened, shown while the replay verifies them. */
  restored: SavedPoints | null;
  /** The URL (and the saved session) hold an opened experiment the lab has not reached: left alone until the user changes the experiment. */
  held: boolean;
  selectedEdit: number | null;
  pending: PendingExperiment | null;
  /** Why a shared link could not be opened. */
  linkError: string | null;
  preview: PreviewState | null;
  /** The settings form has changes not yet applied (edits wait for them). */
  settingsDirty: boolean;

  loadModel(location: ModelLocation): Promise<boolean>;
  applySettings(settings: LabSettings): Promise<void>;
  queueEdit(request: EditRequest): void;
  removeQueued(id: number): void;
  cancel(): void;
  undo(index: number): Promise<void>;
  reset(): Promise<void>;
  compareWith(method: MethodName): Promise<void>;
  /** Keep the current curve on the chart as a frozen comparison (replacing one of the same method); returns its id. */
  freezeCurve(): string | null;
  removeComparison(id: string): void;
  /** Open an experiment (asking first when it costs); `thenCompare` runs the same edits with that method once it is reached. */
  openExperiment(exp: Experiment, source: 'link' | 'session', comparisons?: CurveSeries[], thenCompare?: MethodName): Promise<void>;
  acceptPending(files?: File[]): Promise<void>;
  dismissPending(): void;
  setLinkError(message: string | null): void;
  requestPreview(request: EditRequest | null): void;
  /** Previews of several facts on the current model, in turn with the other worker calls (the lesson asks the model). */
  probeFacts(requests: EditRequest[]): Promise<FactPreview[]>;
  selectEdit(index: number | null): void;
  setSettingsDirty(dirty: boolean): void;
  dismissError(): void;
  dismissNotice(): void;
}

/** Settings before any model: the layer is left to the model's size until one is loaded. */
function initialSettings(): LabSettings {
  const s = defaultSettings(12);
  delete s.method.layer;
  return s;
}

const api = () => labClient().api;

// One worker call at a time, in order of request.
let lock: Promise<unknown> = Promise.resolve();
function withWorker<T>(fn: () => Promise<T>): Promise<T> {
  const next = lock.then(fn, fn);
  lock = next.catch(() => {});
  return next;
}

let nextQueueId = 1;
let cancelRequested = false;
let pumping = false;
let previewSeq = 0;

export const useLabSession = create<LabSessionState>()((set, get) => {
  /** Run one visible operation: progress into `op`, failures into `error`, the lists re-synced from the worker. */
  async function runOp<T>(kind: OpKind, title: string, fn: (onProgress: (p: Progress) => void) => Promise<T>, request?: EditRequest): Promise<T | null> {
    return withWorker(async () => {
      cancelRequested = false;
      const hadModel = get().model !== null;
      // A new operation replaces the last one's outcome (a rebuild's notice stays until it ends).
      set({ op: { kind, title, progress: null, ...(request ? { request } : {}) }, error: null, ...(get().rebuilding ? {} : { notice: null }) });
      const onProgress = Comlink.proxy((progress: Progress) => {
        const op = get().op;
        if (op && op.kind === kind) set({ op: { ...op, progress } });
      });
      let ok = false;
      try {
        const result = await fn(onProgress);
        ok = true;
        return result;
      } catch (e) {
        const error = isLabErrorInfo(e) ? e : toLabErrorInfo(e);
        await syncFromWorker();
        if (!cancelRequested && kind !== 'load' && hadModel && !get().model) {
          // The device went away under this operation (the worker dropped its
          // model): the rebuild reloads and replays, then re-runs this edit.
          if (kind === 'edit' && request) set({ queue: [{ id: nextQueueId++, request }, ...get().queue] });
        } else if (error.kind === 'cancelled') {
          set({ notice: `${title}: cancelled. The model and the edits are as they were before.` });
        } else {
          set({ error });
        }
        return null;
      } finally {
        set({ op: null });
        // Whatever succeeded (but a load, which a replay may follow) changed or reached the experiment: the URL follows the lab again.
        if (ok && kind !== 'load') release();
        await publishExperiment();
      }
    });
  }

  /** Make the page's lists equal to the worker's (after any failure). */
  async function syncFromWorker(): Promise<void> {
    try {
      const snap = await api().snapshot();
      if (!snap.model) {
        if (get().model) set({ model: null, steps: [], baseline: null });
        return;
      }
      set({ model: snap.model, steps: snap.steps, baseline: snap.baseline ?? get().baseline });
    } catch {
      // The worker itself is gone; the GPU store reports that.
    }
  }

  /** The experiment into the URL and local storage, with its computed points, as edits happen. */
  async function publishExperiment(): Promise<void> {
    if (!get().model) return;
    try {
      const snap = await api().snapshot();
      const experiment = snap.experiment;
      set({ experiment });
      if (!experiment || get().held) return;
      writeShareHash(experiment, get().comparisons);
      saveSession(experiment);
      if (snap.baseline) savePoints(experiment, snap.baseline, snap.steps);
    } catch {
      // Nothing to publish.
    }
  }

  /** The user changed the experiment: the URL follows the lab again. */
  function release(): void {
    if (get().held) set({ held: false });
  }

  function pump(): void {
    if (pumping) return;
    const s = get();
    if (!s.model || s.rebuilding || !s.queue.length) return;
    pumping = true;
    const [next, ...rest] = s.queue;
    set({ queue: rest });
    void applyOne(next!.request).finally(() => {
      pumping = false;
      if (cancelRequested) set({ queue: [] });
      pump();
      refreshPreview();
    });
  }

  async function applyOne(request: EditRequest): Promise<void> {
    const step = await runOp('edit', `Apply ${request.subject} → ${request.target_new}`, (onProgress) => api().applyEdit(request, onProgress), request);
    if (step) set({ steps: [...get().steps, step], selectedEdit: step.edit });
  }

  function refreshPreview(): void {
    const p = get().preview;
    if (p) get().requestPreview(p.request);
  }

  /** Load a model (if needed) and replay an experiment on it; saved points show at once and are verified by the replay. True when the lab reached it. */
  async function loadAndReplay(location: ModelLocation, exp: Experiment, comparisons: CurveSeries[], saved = exp.edits.length ? loadPoints(exp) : null): Promise<boolean> {
    if (saved) set({ restored: saved, comparisons });
    try {
      const settings = settingsFromExperiment(exp, get().settings);
      const loaded = await loadWith(location, settings, comparisons);
      if (!loaded) return false;
      if (exp.model !== get().model?.name) {
        set({ error: { kind: 'invalid-request', message: `The experiment names “${exp.model}” but the files loaded are “${get().model?.name}”.`, hint: 'Pick the folder the experiment was made with.' } });
        return false;
      }
      const n = exp.edits.length;
      // The whole experiment, with the page's defaults for what it leaves out (the Lab takes settings whole).
      if (n && !(await replay(experimentWithSettings(exp, settings), saved ? `Verify the saved points: replay ${n} edit${n === 1 ? '' : 's'}` : `Replay ${n} edit${n === 1 ? '' : 's'}`))) return false;
      // The lab reached the experiment: the URL follows the lab again.
      set({ held: false });
      await publishExperiment();
      if (saved) {
        const same = samePoints(saved, get().baseline, get().steps);
        set({
          notice: same
            ? `The saved points were verified: replaying the ${n} edit${n === 1 ? '' : 's'} reached the same values.`
            : 'Replaying the edits reached values different from the saved ones (another device or version?); the chart and the table now show the replayed values.',
        });
      }
      return true;
    } finally {
      set({ restored: null });
    }
  }

  async function replay(exp: Experiment, title: string): Promise<boolean> {
    const steps = await runOp('replay', title, (onProgress) => api().replay(exp, onProgress));
    if (!steps) return false;
    set({ steps, settings: settingsFromExperiment(exp, get().settings), selectedEdit: steps.length ? steps.length - 1 : null });
    return true;
  }

  async function loadWith(location: ModelLocation, settings: LabSettings, comparisons: CurveSeries[] = []): Promise<boolean> {
    const result = await runOp('load', 'Load the model', (onProgress) => api().loadModel(location, settings, onProgress));
    if (!result) return false;
    set({ location, model: result.summary, baseline: result.baseline, steps: [], settings, comparisons, selectedEdit: null });
    return true;
  }

  async function rebuild(): Promise<void> {
    const { location, experiment } = get();
    if (!location || get().rebuilding) return;
    set({ rebuilding: true, notice: 'The GPU device was lost. Rebuilding: acquiring a new device, reloading the model and replaying the edits…' });
    try {
      await withWorker(() => useGpuStore.getState().runProbe());
      if (useGpuStore.getState().status !== 'ready') {
        set({ notice: null });
        return;
      }
      const settings = get().settings;
      set({ model: null });
      if (!(await loadWith(location, settings))) return;
      if (experiment?.edits.length) {
        if (!(await replay({ ...experiment, model: get().model!.name }, `Replay ${experiment.edits.length} edits on the new device`))) return;
      }
      set({ notice: `The GPU device was lost and the lab rebuilt itself: model reloaded${experiment?.edits.length ? `, ${experiment.edits.length} edit${experiment.edits.length === 1 ? '' : 's'} replayed` : ''}.` });
    } finally {
      set({ rebuilding: false });
      pump();
    }
  }

  onGpuFailure((error) => {
    if (error.kind === 'device-lost' && get().location) void rebuild();
  });

  return {
    location: null,
    model: null,
    baseline: null,
    steps: [],
    settings: initialSettings(),
    experiment: null,
    op: null,
    queue: [],
    error: null,
    notice: null,
    rebuilding: false,
    comparisons: [],
    restored: null,
    held: false,
    selectedEdit: null,
    pending: null,
    linkError: null,
    preview: null,
    settingsDirty: false,

    async loadModel(location) {
      // A new model starts from its own size's default layer; the rest of the settings carry over.
      const settings = structuredClone(get().settings);
      delete settings.method.layer;
      set({ queue: [], pending: null });
      const ok = await loadWith(location, settings);
      if (ok) {
        release(); // a new model is a new experiment
        await publishExperiment();
      }
      refreshPreview();
      return ok;
    },

    async applySettings(settings) {
      const { experiment, steps } = get();
      if (!get().model) {
        set({ settings }); // sent with the next model load
        return;
      }
      if (steps.length && experiment) {
        await replay(experimentWithSettings(experiment, settings), `Re-run ${steps.length} edit${steps.length === 1 ? '' : 's'} with the new settings`);
        refreshPreview();
        return;
      }
      const baseline = await runOp('settings', 'Apply the settings', (onProgress) => api().setSettings(settings, onProgress));
      if (baseline) set({ settings, baseline });
      refreshPreview();
    },

    queueEdit(request) {
      set({ queue: [...get().queue, { id: nextQueueId++, request }] });
      pump();
    },

    removeQueued(id) {
      set({ queue: get().queue.filter((q) => q.id !== id) });
    },

    cancel() {
      cancelRequested = true;
      set({ queue: [] });
      void api().cancel();
    },

    async undo(index) {
      const step = get().steps[index];
      if (!step) return;
      const steps = await runOp('undo', `Undo edit ${index + 1} (${step.request.subject} → ${step.request.target_new})`, (onProgress) => api().undo(index, onProgress));
      if (steps) set({ steps, selectedEdit: steps.length ? Math.min(index, steps.length - 1) : null });
      refreshPreview();
    },

    async reset() {
      await runOp('reset', 'Reset the edits', async () => {
        await api().reset();
        return true;
      });
      await withWorker(syncFromWorker);
      set({ selectedEdit: null });
      refreshPreview();
    },

    freezeCurve() {
      const { baseline, steps, settings } = get();
      if (!baseline) return null;
      const current = settings.method.name;
      const label = EDIT_METHODS.find((m) => m.id === current)?.label.split(' ')[0] ?? current;
      const frozen = curveOf(baseline, steps, {
        id: `cmp-${Date.now()}`,
        label: `${label} (frozen)`,
        method: current,
        frozen: true,
        collapseFactor: settings.eval.collapse_factor ?? DEFAULT_COLLAPSE_FACTOR,
      });
      set({ comparisons: [...get().comparisons.filter((c) => c.method !== current).slice(-3), frozen] });
      return frozen.id;
    },

    async compareWith(method) {
      const { experiment, baseline, steps, settings } = get();
      if (!experiment || !baseline) return;
      get().freezeCurve();
      const current = settings.method.name;
      // The other method at its own defaults for this model (ROME's knobs mean nothing to MEMIT), with the same templates;
      // ROME and C-ROME share every knob, so between them only the name changes (same layer, same v*).
      const { context_templates, template_seed } = settings.method;
      const romeFamily = (m: string) => m === 'rome' || m === 'c-rome';
      const next =
        romeFamily(current) && romeFamily(method)
          ? { ...settings, method: { ...settings.method, name: method } }
          : { ...settings, method: { name: method, ...(context_templates ? { context_templates } : {}), ...(template_seed !== undefined ? { template_seed } : {}) } };
      await replay(experimentWithSettings(experiment, next), `Run the same ${steps.length} edit${steps.length === 1 ? "" : "s"} with ${EDIT_METHODS.find((m) => m.id === method)?.label ?? method}`);
      refreshPreview();
    },

    removeComparison(id) {
      release();
      set({ comparisons: get().comparisons.filter((c) => c.id !== id) });
      void publishExperiment();
    },

    async openExperiment(exp, source, comparisons = [], thenCompare) {
      const what = source === 'link' ? 'shared link' : 'saved session';
      const resolution = resolveModelId(exp.model);
      if (resolution.kind === 'refused') {
        set({ linkError: `This ${what} cannot be opened: ${resolution.reason}` });
        if (source === 'link') clearShareHash();
        return;
      }
      // One set of limits: what the settings form refuses, a link cannot ask for either.
      const problems = settingsProblems(exp);
      if (problems.length) {
        set({ linkError: `This ${what} asks for settings outside the settings form’s limits, so nothing was run: ${problems.join('; ')}.` });
        if (source === 'link') clearShareHash();
        return;
      }
      set({ held: true });
      const estimate = estimateReplay(exp, useGpuStore.getState().probe?.info.isSoftware ?? true);
      const saved = exp.edits.length ? loadPoints(exp) : null;
      if (resolution.kind === 'ready' && source === 'link' && !needsConfirmation(estimate, saved !== null)) {
        set({ pending: null });
        if ((await loadAndReplay(resolution.location, exp, comparisons, saved)) && thenCompare) await get().compareWith(thenCompare);
        return;
      }
      set({ pending: { experiment: exp, source, resolution, comparisons, estimate, ...(thenCompare ? { thenCompare } : {}) } });
    },

    async acceptPending(files) {
      const p = get().pending;
      if (!p) return;
      let location: ModelLocation;
      if (p.resolution.kind === 'ready' || p.resolution.kind === 'confirm') location = p.resolution.location;
      else {
        const picked = pickModelFiles(files ?? []);
        if ('problem' in picked) {
          set({ error: { kind: 'model-source', message: picked.problem, hint: 'Pick the folder holding the model the experiment was made with.' } });
          return;
        }
        location = { kind: 'files', files: picked.files };
      }
      set({ pending: null });
      if ((await loadAndReplay(location, p.experiment, p.comparisons)) && p.thenCompare) await get().compareWith(p.thenCompare);
    },

    dismissPending() {
      set({ pending: null });
    },

    setLinkError(message) {
      set({ linkError: message });
    },

    requestPreview(request) {
      const seq = ++previewSeq;
      if (!request) {
        set({ preview: null });
        return;
      }
      if (!get().model) {
        set({ preview: { request, positions: null, result: null, error: null, loading: false } });
        return;
      }
      set({ preview: { request, positions: null, result: null, error: null, loading: true } });
      void api()
        .factPositions(request)
        .then((positions) => {
          const p = get().preview;
          if (seq === previewSeq && p) set({ preview: { ...p, positions } });
        })
        .catch(() => {}); // the preview reports what is wrong with the fact
      // Previews wait behind queued edits: they describe the model the fact would be applied to.
      void withWorker(async () => {
        if (seq !== previewSeq || get().queue.length) return; // superseded, or refreshed after the queue drains
        try {
          const result = await api().previewFact(request);
          const p = get().preview;
          if (seq === previewSeq) set({ preview: { request, positions: p?.positions ?? null, result, error: null, loading: false } });
        } catch (e) {
          const p = get().preview;
          if (seq === previewSeq) set({ preview: { request, positions: p?.positions ?? null, result: null, error: isLabErrorInfo(e) ? e : toLabErrorInfo(e), loading: false } });
        }
      });
    },

    probeFacts(requests) {
      return withWorker(async () => {
        const out: FactPreview[] = [];
        for (const r of requests) out.push(await api().previewFact(r));
        return out;
      });
    },

    selectEdit(index) {
      set({ selectedEdit: index });
    },

    setSettingsDirty(dirty) {
      if (get().settingsDirty !== dirty) set({ settingsDirty: dirty });
    },

    dismissError() {
      set({ error: null });
    },

    dismissNotice() {
      set({ notice: null });
    },
  };
});

/** Saved points against replayed ones: the same to far below every shown digit. */
function samePoints(saved: SavedPoints, baseline: EvalPoint | null, steps: readonly EditStep[]): boolean {
  const close = (a: number, b: number) => a === b || (Number.isNaN(a) && Number.isNaN(b)) || Math.abs(a - b) <= 1e-6 * Math.max(Math.abs(a), Math.abs(b));
  const samePoint = (a: EvalPoint, b: EvalPoint) =>
    close(a.me_ppl, b.me_ppl) &&
    close(a.ppl_corpus, b.ppl_corpus) &&
    a.collapsed === b.collapsed &&
    Object.keys(a.tasks).length === Object.keys(b.tasks).length &&
    Object.entries(a.tasks).every(([k, v]) => k in b.tasks && close(v, b.tasks[k]!));
  return baseline !== null && samePoint(saved.baseline, baseline) && saved.steps.length === steps.length && saved.steps.every((s, i) => samePoint(s.metrics, steps[i]!.metrics));
}
