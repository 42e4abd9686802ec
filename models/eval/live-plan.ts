// One live evaluation point (evaluation.md, "Live mode"): ME-PPL first, then
// the edit's CounterFact metrics when asked, then each planned task on its
// fixed subsample. The point is streamed after every part (onPartial gets a
// fresh copy each time) and the signal cancels between and within parts.
// Collapse is re-judged after every part: ME-PPL over the threshold, or any
// score NaN/Inf.
import type { Gpt2Model } from '../gpt2/model.ts';
import { scoreSequences } from '../gpt2/score.ts';
import type { EvalPoint } from '../lab-types.ts';
import type { Gpt2Tokenizer } from '../tokenizer/gpt2-tokenizer.ts';
import { detectCollapse } from './collapse.ts';
import { editMetrics, type EditCase, type LocalityCache } from './edit-metrics.ts';
import { perplexityReport, textScore } from './perplexity.ts';
import { gpuScoringModel } from './scoring-model.ts';
import type { TaskDefinition } from './tasks.ts';

export interface PlannedTask {
  id: string;
  def: TaskDefinition;
  /** The fixed subsample scored at every point. */
  items: readonly unknown[];
}

export interface EditProbe {
  case: EditCase;
  /** From the unedited model (Lab.localityCache); null: no EasyEdit locality. */
  locality: LocalityCache | null;
}

export interface PointInput {
  model: Gpt2Model;
  tok: Gpt2Tokenizer;
  /** The ME-PPL texts, tokenised. */
  ids: readonly (readonly number[])[];
  tasks: readonly PlannedTask[];
  baselineMePpl: number | null;
  collapseFactor: number;
  probe?: EditProbe;
  signal?: AbortSignal;
  onProgress?: (fraction: number, detail: string) => void;
  onPartial?: (point: EvalPoint) => void;
}

/** Every finite-or-not number the point holds, for the NaN/Inf check. */
function scoresOf(p: EvalPoint): Record<string, number> {
  const out: Record<string, number> = { ppl_corpus: p.ppl_corpus };
  for (const [id, acc] of Object.entries(p.tasks)) out[id] = acc;
  for (const [id, ms] of Object.entries(p.taskMetrics ?? {})) for (const [k, v] of Object.entries(ms)) out[`${id} ${k}`] = v;
  for (const [k, v] of Object.entries(p.edit ?? {})) if (typeof v === 'number') out[`edit ${k}`] = v;
  return out;
}

export async function evaluatePoint(input: PointInput): Promise<EvalPoint> {
  const { model, tok, signal } = input;
  const progress = input.onProgress ?? (() => {});
  const judge = (p: EvalPoint) => {
    const v = detectCollapse(p.me_ppl, input.baselineMePpl, input.collapseFactor, scoresOf(p));
    p.collapsed = v.collapsed;
    if (v.reason) p.collapseReason = v.reason;
    else delete p.collapseReason;
  };
  const emit = (p: EvalPoint) => input.onPartial?.({ ...p, tasks: { ...p.tasks }, taskMetrics: { ...p.taskMetrics }, pending: [...(p.pending ?? [])] });

  const scores = await scoreSequences(model, input.ids, { signal, onProgress: (d, n) => progress(d / n, 'ME-PPL') });
  const report = perplexityReport(scores.map((s, i) => textScore(input.ids[i]!.length, s.nll)));
  const point: EvalPoint = {
    me_ppl: report.me_ppl,
    ppl_corpus: report.ppl_corpus,
    tasks: {},
    taskMetrics: {},
    collapsed: false,
    perplexity: report,
    pending: input.tasks.map((t) => t.id),
  };
  judge(point);
  emit(point);

  const lm = gpuScoringModel(model);
  if (input.probe) {
    signal?.throwIfAborted();
    progress(0, 'edit metrics');
    point.edit = await editMetrics(lm, tok, input.probe.case, input.probe.locality, { signal });
    judge(point);
    emit(point);
  }
  for (const t of input.tasks) {
    signal?.throwIfAborted();
    progress(0, t.def.label);
    const r = await t.def.score(lm, tok, t.items, signal, (f) => progress(f, t.def.label));
    point.tasks[t.id] = r.accuracy;
    point.taskMetrics![t.id] = r.metrics;
    point.pending = point.pending!.filter((id) => id !== t.id);
    judge(point);
    emit(point);
  }
  delete point.pending;
  return point;
}
