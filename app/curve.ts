// The collapse curve as plain data: point 0 is the unedited baseline, point k
// the scores after edit k. The chart, the data table and the exports all read
// this one shape. Pure logic.
import { TASK_INFO } from '../models/eval/task-info.ts';
import type { MethodName } from '../models/experiment.ts';
import type { EditStep, EvalPoint } from '../models/lab-types.ts';

export interface CurvePoint {
  edit: number;
  me_ppl: number;
  ppl_corpus: number;
  collapsed: boolean;
  /** Task id → accuracy in [0, 1] (filled when the plan has tasks). */
  tasks: Record<string, number>;
  /** "subject → new target" for edits; "unedited" for point 0. */
  label: string;
}

export interface CurveSeries {
  id: string;
  label: string;
  method: MethodName;
  /** A frozen comparison (kept in the page, not in the lab). */
  frozen: boolean;
  collapseFactor: number;
  points: CurvePoint[];
}

/**
 * A task id from outside (a link, local storage) becomes a column and a line:
 * only the lab's own tasks pass (TASK_INFO's own keys, so neither "__proto__"
 * nor "constructor"), which also bounds how many a point can carry.
 */
export function isForeignTaskId(id: string): boolean {
  return Object.hasOwn(TASK_INFO, id);
}

export function pointOf(edit: number, p: EvalPoint, label: string): CurvePoint {
  return { edit, me_ppl: p.me_ppl, ppl_corpus: p.ppl_corpus, collapsed: p.collapsed, tasks: { ...p.tasks }, label };
}

export function editLabel(step: Pick<EditStep, 'request'>): string {
  return `${step.request.subject} → ${step.request.target_new}`;
}

export function curveOf(baseline: EvalPoint | null, steps: readonly Pick<EditStep, 'request' | 'metrics'>[], opts: { id: string; label: string; method: MethodName; frozen: boolean; collapseFactor: number }): CurveSeries {
  const points = baseline ? [pointOf(0, baseline, 'unedited'), ...steps.map((s, i) => pointOf(i + 1, s.metrics, editLabel(s)))] : [];
  return { ...opts, points };
}

/** Every task id present in any point, sorted, so columns and lines are stable. */
export function taskIds(series: readonly CurveSeries[]): string[] {
  const ids = new Set<string>();
  for (const s of series) for (const p of s.points) for (const k of Object.keys(p.tasks)) ids.add(k);
  return [...ids].sort();
}
