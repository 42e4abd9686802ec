// The lab session: the loaded model, the applied settings, the edit steps
// (always kept equal to the worker's snapshot), the running operation with its
// progress, the visible queue of edits waiting their turn, frozen comparison
// curves, and the experiment mirrored into the URL and local storage.
// Everything reaches the worker through workers/client.ts; worker calls are
// serialised here (the worker runs one operation at a time and would refuse a
// second as 'busy').
import * as Comlink from 'comlink';
import { create } from 'zustand';
import { DEFAULT_COLLAPSE_FACTOR } from '../models/defaults.ts';
import type { EditRequest, Experiment, MethodName } from '../models/experiment.ts';
import type { EditStep, EvalPoint, FactPreview, ModelLocation, ModelSummary } from '../models/lab-types.ts';
import { isLabErrorInfo, labClient, toLabErrorInfo } from '../workers/client.ts';
import type { LabErrorInfo, LabSettings, Progress } from '../workers/protocol.ts';
import { curveOf, type CurveSeries } from './curve.ts';
import { experimentWithSettings, settingsFromExperiment } from './experiment-settings.ts';
import { pickModelFiles } from './local-files.ts';
import { resolveModelId, type ModelResolution } from './model-location.ts';
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
}

export interface PreviewState {
  request: EditRequest;
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
  removeComparison(id: string): void;
  openExperiment(exp: Experiment, source: 'link' | 'session'): Promise<void>;
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
      try {
        return await fn(onProgress);
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

  /** The experiment into the URL and local storage, as edits happen. */
  async function publishExperiment(): Promise<void> {
    if (!get().model) return;
    try {
      const experiment = await api().experiment();
      set({ experiment });
      if (experiment) {
        writeShareHash(experiment);
        saveSession(experiment);
      }
    } catch {
      // Nothing to publish.
    }
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

  /** Load a model (if needed) and replay an experiment on it. */
  async function loadAndReplay(location: ModelLocation, exp: Experiment): Promise<void> {
    const settings = settingsFromExperiment(exp, get().settings);
    const loaded = await loadWith(location, settings);
    if (!loaded) return;
    if (exp.model !== get().model?.name) {
      set({ error: { kind: 'invalid-request', message: `The experiment names “${exp.model}” but the files loaded are “${get().model?.name}”.`, hint: 'Pick the folder the experiment was made with.' } });
      return;
    }
    if (!exp.edits.length) return;
    // The whole experiment, with the page's defaults for what it leaves out (the Lab takes settings whole).
    await replay(experimentWithSettings(exp, settings), `Replay ${exp.edits.length} edit${exp.edits.length === 1 ? '' : 's'}`);
  }

  async function replay(exp: Experiment, title: string): Promise<boolean> {
    const steps = await runOp('replay', title, (onProgress) => api().replay(exp, onProgress));
    if (!steps) return false;
    set({ steps, settings: settingsFromExperiment(exp, get().settings), selectedEdit: steps.length ? steps.length - 1 : null });
    return true;
  }

  async function loadWith(location: ModelLocation, settings: LabSettings): Promise<boolean> {
    const result = await runOp('load', 'Load the model', (onProgress) => api().loadModel(location, settings, onProgress));
    if (!result) return false;
    set({ location, model: result.summary, baseline: result.baseline, steps: [], settings, comparisons: [], selectedEdit: null });
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

    async compareWith(method) {
      const { experiment, baseline, steps, settings } = get();
      if (!experiment || !baseline) return;
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
      // The other method at its own defaults for this model (ROME's knobs mean nothing to MEMIT), with the same templates.
      const { context_templates, template_seed } = settings.method;
      const next = { ...settings, method: { name: method, ...(context_templates ? { context_templates } : {}), ...(template_seed !== undefined ? { template_seed } : {}) } };
      await replay(experimentWithSettings(experiment, next), `Run the same ${steps.length} edits with ${EDIT_METHODS.find((m) => m.id === method)?.label ?? method}`);
      refreshPreview();
    },

    removeComparison(id) {
      set({ comparisons: get().comparisons.filter((c) => c.id !== id) });
    },

    async openExperiment(exp, source) {
      const resolution = resolveModelId(exp.model);
      if (resolution.kind === 'refused') {
        set({ linkError: `This ${source === 'link' ? 'shared link' : 'saved session'} cannot be opened: ${resolution.reason}` });
        if (source === 'link') clearShareHash();
        return;
      }
      if (resolution.kind === 'ready' && source === 'link') {
        set({ pending: null });
        await loadAndReplay(resolution.location, exp);
        return;
      }
      set({ pending: { experiment: exp, source, resolution } });
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
      await loadAndReplay(location, p.experiment);
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
        set({ preview: { request, result: null, error: null, loading: false } });
        return;
      }
      set({ preview: { request, result: null, error: null, loading: true } });
      // Previews wait behind queued edits: they describe the model the fact would be applied to.
      void withWorker(async () => {
        if (seq !== previewSeq || get().queue.length) return; // superseded, or refreshed after the queue drains
        try {
          const result = await api().previewFact(request);
          if (seq === previewSeq) set({ preview: { request, result, error: null, loading: false } });
        } catch (e) {
          if (seq === previewSeq) set({ preview: { request, result: null, error: isLabErrorInfo(e) ? e : toLabErrorInfo(e), loading: false } });
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
