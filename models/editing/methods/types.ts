// What an editing method is to the Lab: one module per method (rome.ts,
// c-rome.ts, ...) registered in registry.ts. A method declares its settings
// (rows of models/settings-table.ts), what it needs prepared (key statistics
// for which layers, generated templates), and computes an edit as weight
// deltas. It never writes weights itself: it hands deltas to `ctx.apply`
// (or returns them), and the Lab's WeightHistory adds them, which is what
// keeps every edit exactly undoable.
import type { CholeskyFactor } from '../cholesky.ts';
import type { KeyStats } from '../covariance.ts';
import type { EditDeltas } from '../history.ts';
import type { Gpt2Model } from '../../gpt2/model.ts';
import type { MethodName, MethodSpec } from '../../experiment.ts';
import type { PreparedRequest } from '../prepared.ts';
import type { EditDiagnostics } from '../../lab-types.ts';
import type { SettingRow } from '../../settings-table.ts';
import type { Gpt2Tokenizer } from '../../tokenizer/gpt2-tokenizer.ts';

/** What Lab.configure prepares before the first edit (all from the unedited model). */
export interface MethodNeeds {
  /** Layers whose key statistics C = E[k kᵀ] (c_proj inputs) the method reads. */
  statsLayers: number[];
  /** ROME's generated context templates (from method.template_seed), unless the experiment lists its own. */
  templates: boolean;
}

/** The prepared inputs, cached by the Lab per statistics source, layer and seed. */
export interface MethodResources {
  /** C of a layer (statistics source of the experiment). */
  keyStats(layer: number): Promise<KeyStats>;
  /** The Cholesky factor of a layer's C (float64, CPU). */
  keyFactor(layer: number): Promise<CholeskyFactor>;
  /** The factor if already computed, else null (previews must not start statistics). */
  keyFactorIfReady(layer: number): Promise<CholeskyFactor | null>;
  /** A per-layer object derived from the statistics (e.g. AlphaEdit's null-space projector), built once per source. */
  derived<T>(name: string, layer: number, build: (stats: KeyStats) => Promise<T>): Promise<T>;
  /** The context templates ("{}" first). */
  templates(): Promise<string[]>;
  /** The templates if already generated, else null. */
  templatesIfReady(): string[] | null;
}

export interface MethodContext {
  model: Gpt2Model;
  tok: Gpt2Tokenizer;
  /** The method's knobs, every unset one filled with its default for this model (resolve()). */
  spec: MethodSpec;
  resources: MethodResources;
  /**
   * Add deltas to the model now, as part of this edit (MEMIT updates layer l
   * before computing layer l+1's keys). Non-finite deltas are refused. On a
   * failure or a cancel the Lab takes the whole edit off again, bit-exactly.
   */
  apply(deltas: EditDeltas): Promise<void>;
  signal?: AbortSignal;
  /** Progress in [0, 1] (null: unknown) with a short detail, e.g. "v* step 3". */
  onProgress(fraction: number | null, detail?: string): void;
}

/** The diagnostics every method reports; fields that do not apply are NaN (numbers), false or []. */
export type MethodDiagnostics = Omit<EditDiagnostics, 'target_nll_before' | 'target_nll_after'>;

export interface MethodResult {
  /** Deltas not yet given to ctx.apply; the Lab applies them (after any applied during compute). */
  deltas: EditDeltas;
  diagnostics: MethodDiagnostics;
  /** The update's vectors for `lab run --dump` (ROME's k*, u, v*, right). */
  dump?: { k_star: number[]; u: number[]; v_star: number[]; right: number[] };
}

export interface EditMethod {
  name: MethodName;
  /** Its rows of the settings table (the knobs it reads), defaults per model size included. */
  settings: readonly SettingRow[];
  /** The spec with every knob filled (table defaults for this depth) and checked against the model; throws with a clear message. */
  /** editLayer: the model's own edit layer, if its folder names one (the default layer then). */
  resolve(spec: MethodSpec, nLayer: number, editLayer?: number): MethodSpec;
  /** What to prepare for a resolved spec. */
  needs(spec: MethodSpec): MethodNeeds;
  /** Requests per compute call (MEMIT's batch_size; 1 for ROME). */
  batchSize(spec: MethodSpec): number;
  /** Compute (and possibly apply, through ctx.apply) one edit of 1..batchSize requests. */
  compute(ctx: MethodContext, requests: readonly PreparedRequest[]): Promise<MethodResult>;
  /** The early-warning number of a fact before it is applied (ROME's denominator), when statistics are ready; null otherwise. */
  preview?(ctx: MethodContext, request: PreparedRequest): Promise<number | null>;
}

/** The method computed an update it will not apply (e.g. not finite): the edit is refused, the weights stay as they were. */
export class EditRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EditRefusedError';
  }
}
