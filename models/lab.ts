// The Lab: the one facade both hosts call (the browser worker and the CLI).
// It owns the loaded model, the edit history, the key statistics and the
// evaluation plan, so the two hosts stay thin and can never disagree.
// Every public method takes plain data and returns plain data.
import { DEFAULT_COLLAPSE_FACTOR, DEFAULT_EVAL_SET, DEFAULT_STATS_CORPUS, DEFAULT_STATS_TOKENS } from './defaults.ts';
import { localityCaches, type EditCase, type LocalityCache } from './eval/edit-metrics.ts';
import { evaluatePoint, type EditProbe, type PlannedTask } from './eval/live-plan.ts';
import { gpuScoringModel } from './eval/scoring-model.ts';
import { TASK_IDS, taskById } from './eval/tasks.ts';
import { seededSample } from './util/random.ts';
import { parseJsonlTexts, STATS_CORPORA, TEXT_DATASETS } from './data/datasets.ts';
import { parseTextsJson } from './data/texts.ts';
import { choleskyAsync, NotPositiveDefiniteError, type CholeskyFactor } from './editing/cholesky.ts';
import { keyCovariance, type KeyStats } from './editing/covariance.ts';
import { WeightHistory, type WeightDelta } from './editing/history.ts';
import { keysAt } from './editing/keys.ts';
import { computeRomeUpdate, keyContexts, leftVector, type RomeUpdate } from './editing/rome.ts';
import { defaultRomeLayer, romeHparams } from './editing/rome-hparams.ts';
import type { StatsStore } from './editing/stats-cache.ts';
import { loadRomeCovariance } from './editing/npz.ts';
import type { ByteSource } from './io/byte-source.ts';
import { generateContextTemplates } from './editing/templates.ts';
import { targetIdsOf } from './editing/v-star.ts';
import type { EditRequest, Experiment, MethodSpec, StatsSpec } from './experiment.ts';
import type { GpuContext } from './gpu/context.ts';
import { generate } from './gpt2/generate.ts';
import { gpt2ParameterCount } from './gpt2/presets.ts';
import { loadGpt2, type LoadProgress, type ModelFiles } from './gpt2/load.ts';
import type { Gpt2Model } from './gpt2/model.ts';
import { scoreSequences } from './gpt2/score.ts';
import type { EditStep, EvalPlan, EvalPoint, FactPreview, ModelSummary } from './lab-types.ts';
import type { Gpt2Tokenizer } from './tokenizer/gpt2-tokenizer.ts';

/** What differs between hosts: where files come from and where statistics are cached. */
export interface LabEnv {
  tokenizer(): Promise<Gpt2Tokenizer>;
  /** A shipped asset by its path under public/ (e.g. data/me_ppl/ME-PPL_50.json). */
  readAsset(path: string, signal?: AbortSignal): Promise<string>;
  statsStore?: StatsStore | null;
  /** Random access to a file named by the user (a URL, or a path where the host has files): ROME's .npz statistics. */
  openBytes?(location: string): ByteSource;
}

export interface LabProgress {
  stage: 'load' | 'statistics' | 'factorise' | 'templates' | 'edit' | 'evaluate' | 'replay';
  /** In [0, 1], or null when unknown. */
  fraction: number | null;
  detail?: string;
}

export interface OpOptions {
  signal?: AbortSignal;
  onProgress?: (p: LabProgress) => void;
  /** Each evaluation point as it grows: after ME-PPL, then after each planned task (pending lists the rest). */
  onPartial?: (point: EvalPoint) => void;
  /** applyEdit only: also score this CounterFact case's edit metrics after the edit (EvalPoint.edit). */
  probe?: EditProbe;
}

export class LabError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LabError';
  }
}

/** The statistics default: WikiText-2, a bounded number of tokens (ROME uses 100k Wikipedia samples; a browser cannot). */
export const DEFAULT_STATS: StatsSpec = { texts: DEFAULT_STATS_CORPUS, max_tokens: DEFAULT_STATS_TOKENS };
const DEFAULT_METHOD: MethodSpec = { name: 'rome' };
const PREVIEW_TOKENS = 8;

interface Applied {
  request: EditRequest;
  method: MethodSpec;
}

export class Lab {
  private model: Gpt2Model | null = null;
  private modelName = '';
  private history: WeightHistory | null = null;
  private tok: Gpt2Tokenizer | null = null;
  private plan: EvalPlan = { texts: DEFAULT_EVAL_SET };
  private planIds: number[][] | null = null;
  private planTasks: PlannedTask[] | null = null;
  private baselinePoint: EvalPoint | null = null;
  private method: MethodSpec = DEFAULT_METHOD;
  private stats: StatsSpec = DEFAULT_STATS;
  private mode: 'sequential' | 'single' = 'sequential';
  private steps: EditStep[] = [];
  private applied: Applied[] = [];
  private readonly factors = new Map<string, Promise<CholeskyFactor>>();
  private readonly templates = new Map<number, string[]>();
  private dump = false;

  constructor(
    readonly ctx: GpuContext,
    private readonly env: LabEnv,
  ) {}

  // ---- Model ----

  async loadModel(files: ModelFiles, opts: OpOptions = {}): Promise<ModelSummary> {
    const model = await loadGpt2(this.ctx, files, {
      signal: opts.signal,
      onProgress: (p: LoadProgress) => opts.onProgress?.({ stage: 'load', fraction: p.total ? p.loaded / p.total : null, detail: p.phase }),
    });
    this.model = model;
    this.modelName = files.name;
    this.history = new WeightHistory(model);
    this.tok ??= await this.env.tokenizer();
    this.steps = [];
    this.applied = [];
    this.factors.clear();
    this.templates.clear();
    this.baselinePoint = null;
    return this.summary();
  }

  /** The loaded model itself, for hosts that save or benchmark it (never sent to the UI). */
  currentModel(): Gpt2Model {
    return this.requireModel();
  }

  summary(): ModelSummary {
    const m = this.requireModel();
    const c = m.config;
    return {
      name: this.modelName,
      nLayer: c.nLayer,
      nEmbd: c.nEmbd,
      nHead: c.nHead,
      vocabSize: c.vocabSize,
      nPositions: c.nPositions,
      dtype: m.weights.wte[0]!.table.dtype === 'f16' ? 'f16' : 'f32',
      parameterCount: gpt2ParameterCount(c),
      bytes: m.weights.bytes,
      defaultLayer: defaultRomeLayer(c.nLayer),
      methods: ['rome', 'c-rome'],
    };
  }

  // ---- Settings ----

  setMethod(method: MethodSpec): void {
    romeHparams(this.requireModel().config.nLayer, method); // validates the layer
    if (method.name !== 'rome' && method.name !== 'c-rome') throw new LabError(`method "${method.name}" is not available yet (ROME and C-ROME are)`);
    this.method = { ...method };
  }

  setMode(mode: 'sequential' | 'single'): void {
    if (this.steps.length) throw new LabError('reset the edits before switching between sequential and single mode');
    this.mode = mode;
  }

  /** Keep each edit's k*, u, v* and right vector in its EditStep (the CLI's --dump). */
  setDump(on: boolean): void {
    this.dump = on;
  }

  setStats(stats: StatsSpec): void {
    this.stats = stats;
    this.factors.clear();
  }

  async setPlan(plan: EvalPlan, opts: OpOptions = {}): Promise<EvalPoint> {
    this.plan = plan;
    this.planIds = null;
    this.planTasks = null;
    this.baselinePoint = null;
    return this.baseline(opts);
  }

  // ---- Evaluation ----

  /** The unedited model's scores under the current plan (computed once, on the original weights). */
  async baseline(opts: OpOptions = {}): Promise<EvalPoint> {
    if (this.baselinePoint) return this.baselinePoint;
    // No edit is on: no probe. Same plan, same subsamples as every later point.
    const point = await this.requireHistory().withOriginalWeights(() => this.score(null, { ...opts, probe: undefined }));
    this.baselinePoint = point;
    return point;
  }

  /** Scores of the current weights. */
  async evaluate(opts: OpOptions = {}): Promise<EvalPoint> {
    // onPartial streams this point only, not a baseline computed on the way.
    const base = await this.baseline({ signal: opts.signal, onProgress: opts.onProgress });
    return this.score(base, opts);
  }

  /** ME-PPL, then the probe's edit metrics, then each planned task; streamed through opts.onPartial. */
  private async score(base: EvalPoint | null, opts: OpOptions): Promise<EvalPoint> {
    const ids = await this.evalIds(opts.signal);
    const tasks = await this.evalTasks(opts.signal);
    return evaluatePoint({
      model: this.requireModel(),
      tok: this.requireTok(),
      ids,
      tasks,
      baselineMePpl: base?.me_ppl ?? null,
      collapseFactor: this.plan.collapseFactor ?? DEFAULT_COLLAPSE_FACTOR,
      probe: opts.probe,
      signal: opts.signal,
      onProgress: (fraction, detail) => opts.onProgress?.({ stage: 'evaluate', fraction, detail }),
      onPartial: opts.onPartial,
    });
  }

  /** Each planned task's fixed subsample: seededSample over the task's file, the plan's seed (default 0). */
  private async evalTasks(signal?: AbortSignal): Promise<PlannedTask[]> {
    if (this.planTasks) return this.planTasks;
    const out: PlannedTask[] = [];
    for (const [id, size] of Object.entries(this.plan.tasks ?? {})) {
      const def = taskById(id);
      if (!def) throw new LabError(`unknown task "${id}" (known: ${TASK_IDS.join(', ')})`);
      if (!Number.isInteger(size) || size < 0) throw new LabError(`task ${id}: subsample size must be a whole number, got ${size}`);
      if (size === 0) continue;
      const all = await def.load(this.env.readAsset, signal);
      out.push({ id, def, items: seededSample(all.length, size, this.plan.seed ?? 0).map((i) => all[i]) });
    }
    this.planTasks = out;
    return out;
  }

  private async evalIds(signal?: AbortSignal): Promise<number[][]> {
    if (this.planIds) return this.planIds;
    const tok = this.requireTok();
    let texts: string[];
    if (typeof this.plan.texts === 'string') {
      const ds = TEXT_DATASETS[this.plan.texts];
      if (!ds) throw new LabError(`unknown evaluation dataset "${this.plan.texts}" (known: ${Object.keys(TEXT_DATASETS).join(', ')})`);
      const parsed = parseTextsJson(await this.env.readAsset(ds.path, signal), ds.path);
      if (parsed.kind !== 'texts') throw new LabError(`${ds.path} holds ids, not texts`);
      texts = parsed.texts;
    } else texts = this.plan.texts;
    this.planIds = texts.map((t) => tok.encode(t));
    return this.planIds;
  }

  // ---- Before an edit ----

  async previewFact(request: EditRequest, opts: OpOptions = {}): Promise<FactPreview> {
    const model = this.requireModel();
    const tok = this.requireTok();
    const hp = romeHparams(model.config.nLayer, this.method);
    const [ctx0] = keyContexts(tok, request, ['{}']);
    const promptIds = ctx0!.ids;
    const probs = await this.targetProbs(promptIds, request);
    const next = await generate(model, [promptIds], { maxNewTokens: 1, signal: opts.signal });
    const top = next[0]![0]!;
    let denominator: number | null = null;
    const factor = this.factors.get(this.factorKey(hp.layer));
    if (factor && hp.mom2_adjustment) {
      // The collapse predictor of "The Fall of ROME": k_u · C⁻¹k* / ‖C⁻¹k*‖ with k* over the cached templates.
      const templates = this.method.context_templates ?? this.templates.get(this.method.template_seed ?? 0) ?? ['{}'];
      const contexts = keyContexts(tok, request, templates);
      const acts = await keysAt(model, hp.layer, contexts.map((c) => ({ ids: c.ids, index: c.index })));
      const kStar = new Float64Array(acts.keys[0]!.length);
      for (const k of acts.keys) for (let i = 0; i < kStar.length; i++) kStar[i]! += k[i]! / acts.keys.length;
      const { u } = leftVector(kStar, await factor);
      const ku = this.method.name === 'c-rome' ? kStar : acts.keys[0]!;
      denominator = 0;
      for (let i = 0; i < u.length; i++) denominator += ku[i]! * u[i]!;
    }
    return {
      promptText: tok.decode(promptIds),
      subjectLastIndex: ctx0!.index,
      subjectAtStart: ctx0!.index === 0,
      topPrediction: { token: tok.decode([top]), prob: probs.top },
      targetNewProb: probs.targetNew,
      targetTrueProb: probs.targetTrue,
      denominator,
    };
  }

  /** P(target | prompt) as exp(−mean NLL) over the target's tokens (teacher forced). */
  private async targetProbs(promptIds: number[], request: EditRequest): Promise<{ targetNew: number; targetTrue: number | null; top: number }> {
    const tok = this.requireTok();
    const model = this.requireModel();
    const tNew = targetIdsOf(tok, request.target_new);
    const tTrue = request.target_true ? targetIdsOf(tok, request.target_true) : null;
    const seqs = [[...promptIds, ...tNew], ...(tTrue ? [[...promptIds, ...tTrue]] : [])];
    const scores = await scoreSequences(model, seqs);
    const meanNll = (s: Float64Array, n: number) => Array.from(s.slice(promptIds.length - 1, promptIds.length - 1 + n)).reduce((a, b) => a + b, 0) / n;
    const nllNew = meanNll(scores[0]!.nll, tNew.length);
    const argmax = scores[0]!.argmax[promptIds.length - 1]!;
    const [top] = await scoreSequences(model, [[...promptIds, argmax]]);
    return {
      targetNew: Math.exp(-nllNew),
      targetTrue: tTrue ? Math.exp(-meanNll(scores[1]!.nll, tTrue.length)) : null,
      top: Math.exp(-top!.nll[promptIds.length - 1]!),
    };
  }

  // ---- Editing ----

  async applyEdit(request: EditRequest, opts: OpOptions = {}): Promise<EditStep> {
    const step = await this.runEdit(request, this.method, this.steps.length, opts);
    this.steps.push(step);
    return step;
  }

  private async runEdit(request: EditRequest, method: MethodSpec, index: number, opts: OpOptions): Promise<EditStep> {
    const t0 = performance.now();
    const model = this.requireModel();
    const tok = this.requireTok();
    const history = this.requireHistory();
    const hp = romeHparams(model.config.nLayer, method);
    const variant = method.name === 'c-rome' ? 'c-rome' : 'rome';
    const base = await this.baseline({ signal: opts.signal, onProgress: opts.onProgress });
    const factor = hp.mom2_adjustment ? await this.keyFactor(hp.layer, opts) : null;
    const templates = method.context_templates ?? (await this.contextTemplates(method.template_seed ?? 0, opts));
    const promptIds = keyContexts(tok, request, ['{}'])[0]!.ids;
    const before = await this.outcome(promptIds, request, opts.signal);

    opts.onProgress?.({ stage: 'edit', fraction: 0, detail: 'v* optimisation' });
    const up: RomeUpdate = await computeRomeUpdate(model, tok, request, templates, hp, factor, variant, {
      signal: opts.signal,
      onStep: (it) => opts.onProgress?.({ stage: 'edit', fraction: (it + 1) / hp.v_num_grad_steps, detail: `v* step ${it + 1}` }),
    });
    const u = Float32Array.from(up.u);
    const right = Float32Array.from(up.right);
    if (!u.every(Number.isFinite) || !right.every(Number.isFinite)) {
      // Nothing was written: the history stays as it was.
      throw new LabError(`the update is not finite (denominator ${up.denominator.toPrecision(3)}): edit refused, weights unchanged`);
    }
    await history.apply({ layer: hp.layer, u, right });
    try {
      const after = await this.outcome(promptIds, request, opts.signal);
      const metrics = await this.score(base, opts);
      return {
        edit: index,
        request,
        method,
        diagnostics: {
          denominator: up.denominator,
          delta_norm: Math.hypot(...up.v.delta),
          update_norm: up.updateNorm,
          subject_at_start: up.subjectAtStart,
          v_loss: up.v.losses,
          target_nll_before: -Math.log(before.targetProb),
          target_nll_after: -Math.log(after.targetProb),
        },
        metrics,
        before,
        after,
        elapsedMs: performance.now() - t0,
        ...(this.dump ? { dump: { k_star: Array.from(up.kStar), u: Array.from(up.u), v_star: Array.from(up.v.vStar), right: Array.from(up.right) } } : {}),
      };
    } catch (e) {
      // A cancelled or failed evaluation must not leave a half-recorded edit on the weights.
      history.truncate(history.deltas.length - 1);
      throw e;
    } finally {
      if (this.mode === 'single' && history.deltas.length > this.applied.length) history.truncate(this.applied.length);
      else if (this.mode === 'sequential' && history.deltas.length > this.applied.length) this.applied.push({ request, method });
    }
  }

  private async outcome(promptIds: number[], request: EditRequest, signal?: AbortSignal): Promise<{ targetProb: number; generation: string }> {
    const probs = await this.targetProbs(promptIds, request);
    const [gen] = await generate(this.requireModel(), [promptIds], { maxNewTokens: PREVIEW_TOKENS, signal });
    return { targetProb: probs.targetNew, generation: this.requireTok().decode(gen!) };
  }

  /** Undo edit `index`. Sequential: later edits are recomputed on the new state (as a replay would); the last edit undoes exactly. */
  async undo(index: number, opts: OpOptions = {}): Promise<EditStep[]> {
    if (!Number.isInteger(index) || index < 0 || index >= this.steps.length) throw new LabError(`there is no edit ${index} to undo`);
    if (this.mode === 'single') {
      this.steps.splice(index, 1);
      this.steps.forEach((s, i) => (s.edit = i));
      return this.steps;
    }
    const history = this.requireHistory();
    const later = this.applied.slice(index + 1);
    history.truncate(index);
    this.applied.splice(index);
    this.steps.splice(index);
    for (const [k, a] of later.entries()) {
      opts.onProgress?.({ stage: 'replay', fraction: k / later.length, detail: `re-applying edit ${index + k + 2}` });
      this.steps.push(await this.runEdit(a.request, a.method, this.steps.length, opts));
    }
    return this.steps;
  }

  reset(): void {
    this.requireHistory().reset();
    this.steps = [];
    this.applied = [];
  }

  get stepList(): readonly EditStep[] {
    return this.steps;
  }

  // ---- Experiments ----

  experiment(): Experiment {
    return {
      version: 1,
      model: this.modelName,
      method: this.method,
      stats: this.stats,
      mode: this.mode,
      edits: this.steps.map((s) => s.request),
      eval: { texts: this.plan.texts, ...(this.plan.tasks ? { tasks: this.plan.tasks } : {}), collapse_factor: this.plan.collapseFactor ?? DEFAULT_COLLAPSE_FACTOR },
    };
  }

  /** Apply an Experiment's settings and edits to the loaded model, from its original weights. */
  async replay(exp: Experiment, opts: OpOptions = {}): Promise<EditStep[]> {
    this.reset();
    this.mode = exp.mode;
    this.setMethod(exp.method);
    this.setStats(exp.stats ?? DEFAULT_STATS);
    if (exp.eval?.texts !== undefined || exp.eval?.collapse_factor !== undefined || exp.eval?.tasks !== undefined) {
      await this.setPlan({ ...this.plan, texts: exp.eval.texts ?? this.plan.texts, tasks: exp.eval.tasks ?? this.plan.tasks, collapseFactor: exp.eval.collapse_factor }, opts);
    }
    for (const [k, e] of exp.edits.entries()) {
      opts.onProgress?.({ stage: 'replay', fraction: k / exp.edits.length, detail: `edit ${k + 1} of ${exp.edits.length}` });
      await this.applyEdit(e, opts);
    }
    return this.steps;
  }

  // ---- Edit metrics and resumed runs ----

  /** EasyEdit's locality needs the unedited model's outputs: taken on the original weights, whatever is applied now. */
  async localityCaches(cases: readonly EditCase[], opts: OpOptions = {}): Promise<LocalityCache[]> {
    return this.requireHistory().withOriginalWeights(() =>
      localityCaches(gpuScoringModel(this.requireModel()), this.requireTok(), cases, {
        signal: opts.signal,
        onProgress: (d, n) => opts.onProgress?.({ stage: 'evaluate', fraction: d / n, detail: 'locality cache' }),
      }),
    );
  }

  /** The exact weight update of sequential edit `index` (a copy), or null when none is applied (single mode). */
  appliedDelta(index: number): WeightDelta | null {
    const d = this.requireHistory().deltas[index];
    return d ? { layer: d.layer, u: d.u.slice(), right: d.right.slice() } : null;
  }

  /**
   * Continue a recorded run without recomputing it: append recorded steps, and
   * in sequential mode re-apply each one's exact update (from appliedDelta),
   * which gives bit for bit the weights the run had.
   */
  async restoreSteps(entries: readonly { step: EditStep; delta?: WeightDelta | null }[]): Promise<void> {
    const { config } = this.requireModel();
    const history = this.requireHistory();
    for (const { step, delta } of entries) {
      if (this.mode === 'sequential') {
        if (!delta) throw new LabError(`edit ${step.edit}: a sequential step needs its weight update to be restored`);
        if (delta.u.length !== config.nInner || delta.right.length !== config.nEmbd || !(delta.layer >= 0 && delta.layer < config.nLayer)) {
          throw new LabError(`edit ${step.edit}: its update (layer ${delta.layer}, ${delta.u.length}×${delta.right.length}) does not fit this model`);
        }
        await history.apply(delta);
        this.applied.push({ request: step.request, method: step.method });
      }
      this.steps.push({ ...step, edit: this.steps.length });
    }
  }

  // ---- Key statistics ----

  private factorKey(layer: number): string {
    return `${layer}|${JSON.stringify(this.stats)}`;
  }

  /** C for a layer from the original weights, its Cholesky factor cached per layer and statistics source. */
  private keyFactor(layer: number, opts: OpOptions): Promise<CholeskyFactor> {
    const key = this.factorKey(layer);
    let f = this.factors.get(key);
    if (!f) {
      f = (async () => {
        const stats = await this.keyStats(layer, opts);
        opts.onProgress?.({ stage: 'factorise', fraction: 0 });
        try {
          return await choleskyAsync(stats.C, stats.dim, { signal: opts.signal, onProgress: (x) => opts.onProgress?.({ stage: 'factorise', fraction: x }) });
        } catch (e) {
          if (!(e instanceof NotPositiveDefiniteError)) throw e;
          // Fewer tokens than key dimensions leave C singular: say what to change.
          throw new LabError(
            `the key statistics of layer ${layer} are singular (${stats.count} tokens for ${stats.dim}-dimensional keys): use more statistics tokens (at least ${4 * stats.dim} recommended) or turn mom2 adjustment off`,
          );
        }
      })();
      f.catch(() => this.factors.delete(key)); // a cancelled run caches nothing
      this.factors.set(key, f);
    }
    return f;
  }

  private async keyStats(layer: number, opts: OpOptions): Promise<KeyStats> {
    const spec = this.stats;
    if ('npz' in spec) {
      // ROME's published statistics: C = mom2 / count, for the layer the file was made for.
      if (!this.env.openBytes) throw new LabError('this host cannot open .npz statistics files');
      opts.onProgress?.({ stage: 'statistics', fraction: null, detail: spec.npz });
      const cov = await loadRomeCovariance(this.env.openBytes(spec.npz), opts.signal);
      const f = this.requireModel().config.nInner;
      if (cov.dim !== f) throw new LabError(`${spec.npz} holds ${cov.dim}×${cov.dim} statistics; layer ${layer} of this model needs ${f}×${f}`);
      return { C: cov.covariance, dim: cov.dim, count: cov.count };
    }
    const ids = 'ids' in spec ? spec.ids : await this.corpusIds(spec.texts, spec.max_tokens ?? DEFAULT_STATS_TOKENS, opts.signal);
    const tokens = ids.reduce((a, s) => a + s.length, 0);
    const corpusId = 'ids' in spec ? `ids:${hashIds(ids)}` : spec.texts;
    const key = { modelId: this.modelName, layer, corpusId, tokenCount: tokens, mom2Dtype: 'float64' as const };
    const cached = await this.env.statsStore?.get(key);
    if (cached) return { C: Float64Array.from(cached.matrix), dim: cached.dim, count: cached.count };
    // Statistics come from the unedited model.
    const stats: KeyStats = await this.requireHistory().withOriginalWeights(() =>
      keyCovariance(this.requireModel(), layer, ids, {
        signal: opts.signal,
        onProgress: (d, n) => opts.onProgress?.({ stage: 'statistics', fraction: d / n, detail: `${d} of ${n} tokens` }),
      }),
    );
    // Cancelled at the last moment: cache nothing.
    opts.signal?.throwIfAborted();
    await this.env.statsStore?.put(key, { matrix: stats.C, dim: stats.dim, count: stats.count });
    return stats;
  }

  private async corpusIds(corpus: string, maxTokens: number, signal?: AbortSignal): Promise<number[][]> {
    const c = STATS_CORPORA[corpus];
    if (!c) throw new LabError(`unknown statistics corpus "${corpus}" (known: ${Object.keys(STATS_CORPORA).join(', ')})`);
    const texts = parseJsonlTexts(await this.env.readAsset(c.path, signal), c.path);
    const tok = this.requireTok();
    const out: number[][] = [];
    let n = 0;
    for (const t of texts) {
      if (n >= maxTokens) break;
      const ids = tok.encode(t).slice(0, maxTokens - n);
      out.push(ids);
      n += ids.length;
    }
    return out;
  }

  /** ROME's generated context templates for a seed, always from the unedited model. */
  private async contextTemplates(seed: number, opts: OpOptions): Promise<string[]> {
    const cached = this.templates.get(seed);
    if (cached) return cached;
    opts.onProgress?.({ stage: 'templates', fraction: null });
    const t = await this.requireHistory().withOriginalWeights(() => generateContextTemplates(this.requireModel(), this.requireTok(), seed, undefined, opts.signal));
    this.templates.set(seed, t);
    return t;
  }

  // ---- Guards ----

  private requireModel(): Gpt2Model {
    if (!this.model) throw new LabError('load a model first');
    return this.model;
  }

  private requireHistory(): WeightHistory {
    if (!this.history) throw new LabError('load a model first');
    return this.history;
  }

  private requireTok(): Gpt2Tokenizer {
    if (!this.tok) throw new LabError('load a model first');
    return this.tok;
  }
}

function hashIds(ids: number[][]): string {
  let h = 2166136261;
  for (const s of ids) {
    for (const t of s) h = Math.imul(h ^ t, 16777619) >>> 0;
    h = Math.imul(h ^ 0xffff, 16777619) >>> 0;
  }
  return h.toString(16);
}
