// Plain-data types of the Lab facade (models/lab.ts). They cross the worker
// boundary by structured clone, so: no classes, no GPU objects, no functions.
import type { EditRequest, Experiment, MethodName, MethodSpec } from './experiment.ts';
import type { PerplexityReport } from './eval/perplexity.ts';
import type { EditMetrics } from './eval/edit-metrics.ts';

/** Where to load a model from (the browser picks; the CLI resolves a string). */
export type ModelLocation =
  | { kind: 'hub'; id: string; base?: string } // Hugging Face id, e.g. openai-community/gpt2
  | { kind: 'url'; url: string } // a served folder with config.json + model.safetensors (the bundled demo)
  | { kind: 'files'; files: File[] }; // picked or dropped in the browser

export interface ModelSummary {
  name: string;
  nLayer: number;
  nEmbd: number;
  nHead: number;
  vocabSize: number;
  nPositions: number;
  dtype: 'f32' | 'f16';
  parameterCount: number;
  /** Bytes of weights on the GPU. */
  bytes: number;
  /** ROME's default edited layer for this size. */
  defaultLayer: number;
  /** The editing methods this engine implements (the registry's); others are refused. */
  methods: MethodName[];
}

export interface LoadProgressInfo {
  phase: 'config' | 'header' | 'download' | 'cache' | 'upload' | 'compile';
  loaded: number;
  total: number;
  detail?: string;
}

/** What Lab.configure did: the baseline under the new settings, and what the change made it (re)compute. */
export interface ConfigureResult {
  baseline: EvalPoint;
  recomputed: {
    /** Key statistics the method needs are not cached for this source (computed now with `prepare`, else before the next edit). */
    statistics: boolean;
    /** Context templates for this seed are not cached (likewise). */
    templates: boolean;
    /** The evaluation plan changed (or had no baseline): the baseline was scored again. */
    baseline: boolean;
  };
}

export interface EvalPoint {
  me_ppl: number;
  ppl_corpus: number;
  /** Task id → accuracy in [0, 1]. */
  tasks: Record<string, number>;
  collapsed: boolean;
  /** Why it counts as collapsed (threshold exceeded, NaN/Inf). */
  collapseReason?: string;
  perplexity?: PerplexityReport;
  /** Task id → every metric the task reports (acc, acc_norm, ppl, em, f1, n, truncated, ...). */
  taskMetrics?: Record<string, Record<string, number>>;
  /** Only on partial points (OpOptions.onPartial): planned tasks not scored yet, in order. */
  pending?: string[];
  /** CounterFact metrics of the edit just made, when the edit came with a probe. */
  edit?: EditMetrics;
}

/** Early-warning diagnostics for a fact before it is applied ("The Fall of ROME"). */
export interface FactPreview {
  promptText: string;
  /** Index of the subject's last token in the unprefixed prompt. */
  subjectLastIndex: number;
  /** The subject's last token is token 0: ROME's classic collapse case. */
  subjectAtStart: boolean;
  /** The model's top next-token prediction after the prompt, and its probability. */
  topPrediction: { token: string; prob: number };
  targetNewProb: number;
  targetTrueProb: number | null;
  /** k_u · C⁻¹k* / ‖C⁻¹k*‖ when statistics are ready; tiny ⇒ explosion. Null before. */
  denominator: number | null;
}

export interface EditDiagnostics {
  denominator: number;
  delta_norm: number;
  /** ‖ΔW‖_F */
  update_norm: number;
  subject_at_start: boolean;
  /** The target optimisation's loss per step (ROME's v*, MEMIT/AlphaEdit's z of the first request) or FT-L's loss per step. */
  v_loss: number[];
  /** What v_loss is, for people ("z loss", "fine-tuning loss"); absent: ROME's "v* loss". */
  loss_name?: string;
  /**
   * Per edited tensor (MEMIT/AlphaEdit: each layer's c_proj weight; FT-L: each
   * weight and bias): ‖Δ‖_F, AlphaEdit's rank of P, FT-L's elements on the
   * clamp's bound out of all.
   */
  per_layer?: { param: string; update_norm: number; P_rank?: number; at_bound?: number; elements?: number }[];
  target_nll_before: number;
  target_nll_after: number;
}

export interface EditStep {
  /** Position in the sequence (0-based). */
  edit: number;
  /** The edited fact (of a batch: the first, whose probabilities before/after the step shows). */
  request: EditRequest;
  /** A batch step (MEMIT/AlphaEdit batch_size > 1): every request of the one update call. */
  requests?: EditRequest[];
  method: MethodSpec;
  diagnostics: EditDiagnostics;
  metrics: EvalPoint;
  /** Target probability and a short greedy generation, before and after. */
  before: { targetProb: number; generation: string };
  after: { targetProb: number; generation: string };
  elapsedMs: number;
  /** The update's vectors (only when the Lab was asked to dump: CLI --dump). */
  dump?: { k_star: number[]; u: number[]; v_star: number[]; right: number[] };
}

export interface LabSnapshot {
  model: ModelSummary | null;
  baseline: EvalPoint | null;
  steps: EditStep[];
  experiment: Experiment | null;
}
