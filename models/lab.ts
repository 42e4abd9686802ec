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
import { WeightHistory, type EditDeltas } from './editing/history.ts';
import { editMethod, IMPLEMENTED_METHODS, MethodUnavailableError } from './editing/methods/registry.ts';
import { EditRefusedError, type EditMethod, type MethodContext, type MethodResources } from './editing/methods/types.ts';
import { prepareRequest, type PreparedRequest } from './editing/prepared.ts';
import { defaultRomeLayer } from './settings-table.ts';
import { sameSettings } from './util/same-settings.ts';
import type { StatsStore } from './editing/stats-cache.ts';
import { loadRomeCovariance, npzPathForLayer, RomeStatsLayerError } from './editing/rome-covariance.ts';
import type { ByteSource } from './io/byte-source.ts';
import { generateContextTemplates } from './editing/templates.ts';
import type { EditRequest, EvalSpec, Experiment, ExperimentSettings, MethodSpec, StatsSpec } from './experiment.ts';
import { romeHparams } from './editing/rome-hparams.ts';
import type { GpuContext } from './gpu/context.ts';
import { generate } from './gpt2/generate.ts';
import { gpt2ParameterCount } from './gpt2/presets.ts';
import { loadGpt2, type LoadProgress, type ModelFiles } from './gpt2/load.ts';
import type { Gpt2Config } from './gpt2/config.ts';
import type { Gpt2Model } from './gpt2/model.ts';
import { scoreSequences } from './gpt2/score.ts';
import type { ConfigureResult, EditStep, EvalPoint, FactPreview, ModelSummary } from './lab-types.ts';
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
const PREVIEW_TOKENS = 8;
/**
 * Before ROME's context templates are generated (at the first edit), the fact
 * check assumes the longest: 9 sampled tokens and ". " (templates.ts), with a
 * little room because decoded text can re-encode into more tokens.
 */
const GENERATED_TEMPLATE_TOKENS = 12;

/** The Lab's settings: an Experiment's, with the statistics and evaluation defaults filled in. */
interface Settings {
  method: MethodSpec;
  mode: 'sequential' | 'single';
  stats: StatsSpec;
  eval: EvalSpec & { texts: string | string[]; collapse_factor: number };
}

const DEFAULT_SETTINGS: Settings = {
  method: { name: 'rome' },
  mode: 'sequential',
  stats: DEFAULT_STATS,
  eval: { texts: DEFAULT_EVAL_SET, collapse_factor: DEFAULT_COLLAPSE_FACTOR },
};

interface Applied {
  requests: EditRequest[];
  method: MethodSpec;
  /** What the method handed on to its next edit (MethodResult.carry). */
  carry?: unknown;
  /** Re-applied from a log (restoreSteps): its carry is not known. */
  restored?: boolean;
}

export class Lab {
  private model: Gpt2Model | null = null;
  private modelName = '';
  private history: WeightHistory | null = null;
  private tok: Gpt2Tokenizer | null = null;
  private settings: Settings = DEFAULT_SETTINGS;
  private planIds: number[][] | null = null;
  private planTasks: PlannedTask[] | null = null;
  private baselinePoint: EvalPoint | null = null;
  private steps: EditStep[] = [];
  private applied: Applied[] = [];
  private readonly factors = new Map<string, Promise<CholeskyFactor>>();
  private readonly derivedCache = new Map<string, Promise<unknown>>();
  private readonly templates = new Map<number, string[]>();
  /** Per-model objects of the methods (MEND's editor on the GPU), with how to release them. */
  private readonly perModel = new Map<string, { value: Promise<unknown>; release?: (v: unknown) => void }>();
  private files: ModelFiles | null = null;
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
    this.releasePerModel();
    this.model = model;
    this.files = files;
    this.modelName = files.name;
    this.history = new WeightHistory(model);
    this.tok ??= await this.env.tokenizer();
    this.steps = [];
    this.applied = [];
    this.factors.clear();
    this.derivedCache.clear();
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
      defaultLayer: defaultRomeLayer(c.nLayer, c.editLayer),
      methods: [...IMPLEMENTED_METHODS],
    };
  }

  // ---- Settings ----

  /**
   * Take an Experiment's settings (method, mode, statistics, evaluation; its
   * model and edits are not read here), keep what is unchanged, drop what the
   * change invalidates, and return the baseline under them. Refuses, changing
   * nothing, an unknown or unimplemented method, a layer the model lacks, and
   * a mode switch while edits are applied. With `prepare`, the statistics and
   * templates the method needs are computed now instead of at the first edit.
   */
  async configure(exp: ExperimentSettings, opts: OpOptions & { prepare?: boolean } = {}): Promise<ConfigureResult> {
    const { config } = this.requireModel();
    // A plain copy (undefined fields dropped, as in an Experiment's JSON), the defaults under what it leaves out.
    const given = JSON.parse(JSON.stringify({ method: exp.method, mode: exp.mode, stats: exp.stats, eval: exp.eval })) as ExperimentSettings;
    const next: Settings = {
      method: given.method,
      mode: given.mode,
      stats: given.stats ?? structuredClone(DEFAULT_STATS),
      eval: { ...structuredClone(DEFAULT_SETTINGS.eval), ...given.eval },
    };
    const method = this.methodOf(next.method);
    const spec = this.resolved(method, next.method, config);
    if (next.mode !== this.settings.mode && this.steps.length) throw new LabError('reset the edits before switching between sequential and single mode');
    const cur = this.settings;
    const needs = method.needs(spec);
    const statsChanged = !sameSettings(cur.stats, next.stats);
    const evalChanged = !sameSettings(cur.eval, next.eval) || !this.baselinePoint;
    this.settings = next;
    if (statsChanged) {
      this.factors.clear();
      this.derivedCache.clear();
    }
    const recomputed = {
      statistics: needs.statsLayers.some((l) => !this.factors.has(this.factorKey(l))),
      templates: needs.templates && !this.templates.has(spec.template_seed ?? 0),
      baseline: evalChanged,
    };
    if (evalChanged) {
      this.planIds = null;
      this.planTasks = null;
      this.baselinePoint = null;
    }
    if (opts.prepare) {
      const res = this.resources(spec, opts);
      for (const l of needs.statsLayers) await res.keyFactor(l);
      if (needs.templates) await res.templates();
      if (method.prepare) await method.prepare(this.methodContext(method, spec, opts));
    }
    return { baseline: await this.baseline(opts), recomputed };
  }

  /** Keep each edit's k*, u, v* and right vector in its EditStep (the CLI's --dump). */
  setDump(on: boolean): void {
    this.dump = on;
  }

  private methodOf(spec: MethodSpec): EditMethod {
    try {
      return editMethod(spec.name);
    } catch (e) {
      if (e instanceof MethodUnavailableError) throw new LabError(e.message);
      throw e;
    }
  }

  /** The spec with its defaults for this model; a bad layer becomes a LabError. */
  private resolved(method: EditMethod, spec: MethodSpec, config: Gpt2Config): MethodSpec {
    try {
      return method.resolve(spec, config.nLayer, config.editLayer);
    } catch (e) {
      throw new LabError(e instanceof Error ? e.message : String(e));
    }
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
    // Said when it starts, as an edit is: per-stage counters (lab run --counters) book work to the stage last announced.
    opts.onProgress?.({ stage: 'evaluate', fraction: 0 });
    const ids = await this.evalIds(opts.signal);
    const tasks = await this.evalTasks(opts.signal);
    return evaluatePoint({
      model: this.requireModel(),
      tok: this.requireTok(),
      ids,
      tasks,
      baselineMePpl: base?.me_ppl ?? null,
      collapseFactor: this.settings.eval.collapse_factor,
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
    for (const [id, size] of Object.entries(this.settings.eval.tasks ?? {})) {
      const def = taskById(id);
      if (!def) throw new LabError(`unknown task "${id}" (known: ${TASK_IDS.join(', ')})`);
      if (!Number.isInteger(size) || size < 0) throw new LabError(`task ${id}: subsample size must be a whole number, got ${size}`);
      if (size === 0) continue;
      const all = await def.load(this.env.readAsset, signal);
      out.push({ id, def, items: seededSample(all.length, size, this.settings.eval.seed ?? 0).map((i) => all[i]) });
    }
    this.planTasks = out;
    return out;
  }

  private async evalIds(signal?: AbortSignal): Promise<number[][]> {
    if (this.planIds) return this.planIds;
    const tok = this.requireTok();
    let texts: string[];
    const planned = this.settings.eval.texts;
    if (typeof planned === 'string') {
      const ds = TEXT_DATASETS[planned];
      if (!ds) throw new LabError(`unknown evaluation dataset "${planned}" (known: ${Object.keys(TEXT_DATASETS).join(', ')})`);
      const parsed = parseTextsJson(await this.env.readAsset(ds.path, signal), ds.path);
      if (parsed.kind !== 'texts') throw new LabError(`${ds.path} holds ids, not texts`);
      texts = parsed.texts;
    } else texts = planned;
    this.planIds = texts.map((t) => tok.encode(t));
    return this.planIds;
  }

  // ---- Before an edit ----

  /**
   * Token positions an edit of this fact needs: the longest of ROME's
   * rewriting prompts (context template + prompt + target), its KL prompts,
   * and the prompt followed by the scored target or the generated tokens.
   * Templates not generated yet count as the longest they can be.
   */
  factPositions(request: EditRequest, methodSpec: MethodSpec = this.settings.method): { needed: number; available: number; templatesKnown: boolean } {
    const model = this.requireModel();
    const method = this.methodOf(methodSpec);
    const spec = this.resolved(method, methodSpec, model.config);
    const hp = romeHparams(model.config.nLayer, spec);
    const known = this.templatesFor(method, spec);
    const templates = known ?? ['{}', `${'x '.repeat(GENERATED_TEMPLATE_TOKENS).trim()}. {}`];
    const p = this.prepare(request);
    const prompts = p.vPrompts(templates, hp.kl_prompts);
    const needed = Math.max(p.prompt.ids.length + Math.max(PREVIEW_TOKENS, p.targetNewIds.length, p.targetTrueIds?.length ?? 0), ...prompts.map((v) => v.ids.length));
    return { needed, available: model.config.nPositions, templatesKnown: known !== null };
  }

  /** The context templates an edit with this resolved spec uses, or null while they are still to be generated. */
  private templatesFor(method: EditMethod, spec: MethodSpec): readonly string[] | null {
    if (spec.context_templates) return spec.context_templates;
    if (!method.needs(spec).templates) return ['{}'];
    return this.templates.get(spec.template_seed ?? 0) ?? null;
  }

  /** Refuse a fact the model has too few positions for, in words a person can act on. */
  private checkFactFits(request: EditRequest, method: MethodSpec = this.settings.method): void {
    const { needed, available, templatesKnown } = this.factPositions(request, method);
    if (needed <= available) return;
    throw new LabError(
      `this fact needs ${needed} token positions (the longest context template${templatesKnown ? '' : ', as generated at the first edit,'} + prompt + target) but the model has ${available}: shorten the prompt, the subject or the target`,
    );
  }

  async previewFact(request: EditRequest, opts: OpOptions = {}): Promise<FactPreview> {
    const tok = this.requireTok();
    const p = this.prepare(request);
    this.checkFactFits(request);
    const tTrue = p.targetTrueIds;
    const scored = await this.targetProbs(p, tTrue ? [p.targetNewIds, tTrue] : [p.targetNewIds], opts.signal);
    // The top token is the scoring pass's argmax; one more pass scores it (its probability is not in that pass).
    const top = scored.argmax;
    const [topProb] = (await this.targetProbs(p, [[top]], opts.signal)).probs;
    const method = this.methodOf(this.settings.method);
    const denominator = method.preview ? await method.preview(this.methodContext(method, this.settings.method, opts), p) : null;
    return {
      promptText: tok.decode(p.prompt.ids),
      subjectLastIndex: p.prompt.index,
      subjectAtStart: p.prompt.index === 0,
      topPrediction: { token: tok.decode([top]), prob: topProb! },
      targetNewProb: scored.probs[0]!,
      targetTrueProb: tTrue ? scored.probs[1]! : null,
      denominator,
    };
  }

  /** The request tokenised once; a malformed one (template, empty target) becomes a LabError. */
  private prepare(request: EditRequest): PreparedRequest {
    try {
      return prepareRequest(this.requireTok(), request);
    } catch (e) {
      throw new LabError(e instanceof Error ? e.message : String(e));
    }
  }

  /** P(target | prompt) as exp(−mean NLL) over each target's tokens (teacher forced), one batch; and the argmax after the prompt. */
  private async targetProbs(p: PreparedRequest, targets: readonly (readonly number[])[], signal?: AbortSignal): Promise<{ probs: number[]; argmax: number }> {
    const at = p.prompt.ids.length - 1;
    const scores = await scoreSequences(this.requireModel(), targets.map((t) => [...p.prompt.ids, ...t]), { signal });
    const probs = scores.map((s, i) => Math.exp(-s.nll.slice(at, at + targets[i]!.length).reduce((a, b) => a + b, 0) / targets[i]!.length));
    return { probs, argmax: scores[0]!.argmax[at]! };
  }

  // ---- Editing ----

  async applyEdit(request: EditRequest, opts: OpOptions = {}): Promise<EditStep> {
    return this.applyBatch([request], opts);
  }

  /**
   * One update call for several requests (MEMIT/AlphaEdit with batch_size > 1):
   * one step, its target probabilities and probe on the first request.
   */
  async applyBatch(requests: readonly EditRequest[], opts: OpOptions = {}): Promise<EditStep> {
    const step = await this.runEdit([...requests], this.settings.method, this.steps.length, opts);
    this.steps.push(step);
    return step;
  }

  /** The requests per update call of the current method (its batch_size; 1 for ROME, C-ROME and FT-L). */
  batchSize(): number {
    const method = this.methodOf(this.settings.method);
    return method.batchSize(this.resolved(method, this.settings.method, this.requireModel().config));
  }

  private async runEdit(requests: EditRequest[], methodSpec: MethodSpec, index: number, opts: OpOptions): Promise<EditStep> {
    const t0 = performance.now();
    const history = this.requireHistory();
    const method = this.methodOf(methodSpec);
    const request = requests[0];
    if (!request) throw new LabError('no request to edit');
    const spec = this.resolved(method, methodSpec, this.requireModel().config);
    const most = method.batchSize(spec);
    if (requests.length > most) throw new LabError(`${methodSpec.name} takes at most ${most} request(s) per edit (batch_size), got ${requests.length}`);
    const prepared = requests.map((r) => this.prepare(r));
    // Before anything costly runs when the templates are known, else right after they are generated.
    if (this.templatesFor(method, spec)) for (const r of requests) this.checkFactFits(r, methodSpec);
    const base = await this.baseline({ signal: opts.signal, onProgress: opts.onProgress });
    if (method.needs(spec).templates) await this.contextTemplates(spec.template_seed ?? 0, opts);
    for (const r of requests) this.checkFactFits(r, methodSpec);
    const before = await this.outcome(prepared[0]!, opts.signal);

    const edits = history.edits.length;
    const carry = this.carryFor(methodSpec.name);
    let handedOn: unknown;
    await history.apply([]); // this edit's deltas, applied by the method as it goes or at the end
    try {
      const ctx = this.methodContext(method, methodSpec, opts, carry);
      let result;
      try {
        result = await method.compute(ctx, prepared);
      } catch (e) {
        if (e instanceof EditRefusedError) throw new LabError(e.message);
        throw e;
      }
      await ctx.apply(result.deltas);
      handedOn = result.carry;
      const after = await this.outcome(prepared[0]!, opts.signal);
      const metrics = await this.score(base, opts);
      return {
        edit: index,
        request,
        ...(requests.length > 1 ? { requests } : {}),
        method: methodSpec,
        diagnostics: { ...result.diagnostics, target_nll_before: -Math.log(before.targetProb), target_nll_after: -Math.log(after.targetProb) },
        metrics,
        before,
        after,
        elapsedMs: performance.now() - t0,
        ...(this.dump && result.dump ? { dump: result.dump } : {}),
      };
    } catch (e) {
      // A refused, cancelled or failed edit must not leave any of its deltas on the weights.
      history.truncate(edits);
      throw e;
    } finally {
      if (this.settings.mode === 'single' && history.edits.length > this.applied.length) history.truncate(this.applied.length);
      else if (this.settings.mode === 'sequential' && history.edits.length > this.applied.length) this.applied.push({ requests, method: methodSpec, carry: handedOn });
    }
  }

  /** The carry of the latest applied edit of this method (null: none; undefined: it was restored from a log without it). */
  private carryFor(name: MethodSpec['name']): unknown {
    if (this.settings.mode === 'single') return null;
    for (let i = this.applied.length - 1; i >= 0; i--) {
      const a = this.applied[i]!;
      if (a.method.name === name) return a.restored ? undefined : (a.carry ?? null);
    }
    return null;
  }

  /** What a method computes with: the model, the resolved knobs, the prepared statistics and templates, progress. */
  private methodContext(method: EditMethod, spec: MethodSpec, opts: OpOptions, carry: unknown = null): MethodContext {
    const model = this.requireModel();
    const resolved = this.resolved(method, spec, model.config);
    const history = this.requireHistory();
    return {
      model,
      tok: this.requireTok(),
      spec: resolved,
      carry,
      resources: this.resources(resolved, opts),
      signal: opts.signal,
      onProgress: (fraction, detail) => opts.onProgress?.({ stage: 'edit', fraction, detail }),
      async apply(deltas: EditDeltas) {
        for (const d of deltas) {
          const finite = 'values' in d ? d.values.every(Number.isFinite) : d.u.every(Number.isFinite) && d.right.every(Number.isFinite);
          if (!finite) throw new LabError(`the update of ${d.param} is not finite: edit refused, weights unchanged`);
        }
        await history.extend(deltas);
      },
    };
  }

  private resources(spec: MethodSpec, opts: OpOptions): MethodResources {
    const seed = spec.template_seed ?? 0;
    // Held per statistics source until it changes (a failure is not held): MEMIT reads each C at every edit.
    const memo = <T>(key: string, make: () => Promise<T>): Promise<T> => {
      let p = this.derivedCache.get(key) as Promise<T> | undefined;
      if (!p) {
        p = make();
        p.catch(() => this.derivedCache.delete(key));
        this.derivedCache.set(key, p);
      }
      return p;
    };
    const keyStats = (layer: number) => memo(`C|${this.factorKey(layer)}`, () => this.keyStats(layer, opts));
    return {
      keyStats,
      keyFactor: (layer) => this.keyFactor(layer, opts),
      keyFactorIfReady: async (layer) => (await this.factors.get(this.factorKey(layer))?.catch(() => null)) ?? null,
      derived: <T>(name: string, layer: number, build: (stats: KeyStats) => Promise<T>) => memo(`${name}|${this.factorKey(layer)}`, () => keyStats(layer).then(build)),
      store: this.env.statsStore ?? null,
      templates: () => this.contextTemplates(seed, opts),
      templatesIfReady: () => this.templates.get(seed) ?? null,
      modelFile: async (name) => {
        const files = this.files;
        if (!files?.readFile) return null;
        return files.readFile(name, opts.signal);
      },
      userFile: async (location) => {
        if (!this.env.openBytes) throw new LabError(`this host cannot open ${location}`);
        const src = this.env.openBytes(location);
        return src.read(0, await src.size(), opts.signal);
      },
      perModel: <T>(key: string, build: () => Promise<T>, release?: (v: T) => void) => {
        let e = this.perModel.get(key);
        if (!e) {
          const value = build();
          e = { value, release: release as ((v: unknown) => void) | undefined };
          this.perModel.set(key, e);
          // A failure is not kept: the next edit tries again (e.g. after the file is put in place).
          value.catch(() => this.perModel.get(key)?.value === value && this.perModel.delete(key));
        }
        return e.value as Promise<T>;
      },
    };
  }

  private releasePerModel(): void {
    for (const { value, release } of this.perModel.values()) if (release) value.then(release, () => {});
    this.perModel.clear();
  }

  private async outcome(p: PreparedRequest, signal?: AbortSignal): Promise<{ targetProb: number; generation: string }> {
    // Only what the step shows: P(new target) and the continuation (no true-target or top-token pass).
    const [targetProb] = (await this.targetProbs(p, [p.targetNewIds], signal)).probs;
    const [gen] = await generate(this.requireModel(), [p.prompt.ids], { maxNewTokens: PREVIEW_TOKENS, signal });
    return { targetProb: targetProb!, generation: this.requireTok().decode(gen!) };
  }

  /** Undo edit `index`. Sequential: later edits are recomputed on the new state (as a replay would); the last edit undoes exactly. */
  async undo(index: number, opts: OpOptions = {}): Promise<EditStep[]> {
    if (!Number.isInteger(index) || index < 0 || index >= this.steps.length) throw new LabError(`there is no edit ${index} to undo`);
    if (this.settings.mode === 'single') {
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
      this.steps.push(await this.runEdit(a.requests, a.method, this.steps.length, opts));
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
    const { method, stats, mode, eval: ev } = structuredClone(this.settings);
    return { version: 1, model: this.modelName, method, stats, mode, edits: this.steps.flatMap((s) => s.requests ?? [s.request]), eval: ev };
  }

  /** The baseline if it has been computed under the current settings, else null (never computes). */
  currentBaseline(): EvalPoint | null {
    return this.baselinePoint;
  }

  /** Apply an Experiment's settings and edits to the loaded model, from its original weights. */
  async replay(exp: Experiment, opts: OpOptions = {}): Promise<EditStep[]> {
    this.reset();
    await this.configure(exp, opts);
    // batch_size requests per update call (MEMIT/AlphaEdit); the last batch may be smaller.
    const size = this.batchSize();
    for (let k = 0; k < exp.edits.length; k += size) {
      const batch = exp.edits.slice(k, k + size);
      const which = batch.length > 1 ? `edits ${k + 1}–${k + batch.length}` : `edit ${k + 1}`;
      opts.onProgress?.({ stage: 'replay', fraction: k / exp.edits.length, detail: `${which} of ${exp.edits.length}` });
      await this.applyBatch(batch, opts);
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

  /** The exact weight deltas of sequential edit `index` (copies), or null when none is applied (single mode). */
  appliedDeltas(index: number): EditDeltas | null {
    const edit = this.requireHistory().edits[index];
    return edit ? edit.map((d) => ('values' in d ? { param: d.param, values: d.values.slice() } : { param: d.param, u: d.u.slice(), right: d.right.slice() })) : null;
  }

  /**
   * Continue a recorded run without recomputing it: append recorded steps, and
   * in sequential mode re-apply each one's exact deltas (from appliedDeltas),
   * which gives bit for bit the weights the run had.
   */
  async restoreSteps(entries: readonly { step: EditStep; deltas?: EditDeltas | null }[]): Promise<void> {
    const history = this.requireHistory();
    for (const { step, deltas } of entries) {
      if (this.settings.mode === 'sequential') {
        if (!deltas) throw new LabError(`edit ${step.edit}: a sequential step needs its weight update to be restored`);
        try {
          await history.apply(deltas);
        } catch (e) {
          history.truncate(this.applied.length);
          throw new LabError(`edit ${step.edit}: its update does not fit this model (${e instanceof Error ? e.message : e})`);
        }
        this.applied.push({ requests: step.requests ?? [step.request], method: step.method, restored: true });
      }
      this.steps.push({ ...step, edit: this.steps.length });
    }
  }

  // ---- Key statistics ----

  private factorKey(layer: number): string {
    return `${layer}|${JSON.stringify(this.settings.stats)}`;
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
    const spec = this.settings.stats;
    if ('npz' in spec) {
      // ROME's published statistics: C = mom2 / count, for the layer the file was made for.
      if (!this.env.openBytes) throw new LabError('this host cannot open .npz statistics files');
      let path: string;
      try {
        path = npzPathForLayer(spec.npz, layer);
      } catch (e) {
        throw e instanceof RomeStatsLayerError ? new LabError(e.message) : e;
      }
      opts.onProgress?.({ stage: 'statistics', fraction: null, detail: path });
      const cov = await loadRomeCovariance(this.env.openBytes(path), opts.signal);
      const f = this.requireModel().config.nInner;
      if (cov.dim !== f) throw new LabError(`${path} holds ${cov.dim}×${cov.dim} statistics; layer ${layer} of this model needs ${f}×${f}`);
      return { C: cov.covariance, dim: cov.dim, count: cov.count };
    }
    const ids = 'ids' in spec ? spec.ids : await this.corpusIds(spec.texts, spec.max_tokens ?? DEFAULT_STATS_TOKENS, opts.signal);
    const tokens = ids.reduce((a, s) => a + s.length, 0);
    const corpusId = 'ids' in spec ? `ids:${hashIds(ids)}` : spec.texts;
    const key = { modelId: this.modelName, layer, corpusId, tokenCount: tokens, mom2Dtype: 'float64' as const };
    const cached = await this.env.statsStore?.get(key);
    const cacheKey = this.env.statsStore ? key : undefined;
    if (cached) return { C: Float64Array.from(cached.matrix), dim: cached.dim, count: cached.count, cacheKey };
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
    return { ...stats, cacheKey };
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
