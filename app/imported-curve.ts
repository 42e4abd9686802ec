// A merged result (models/results.ts) as a curve beside the live ones: point
// 0 the unedited baseline, point k+1 case k. Cases without a result (a shard
// not back yet, a failed edit, the middle of a batch) are gaps, not zeros.
// Pure logic.
import type { MethodName } from '../models/experiment.ts';
import { METHOD_LABELS } from '../models/method-names.ts';
import type { MergedResult } from '../models/results.ts';
import type { CurvePoint, CurveSeries } from './curve.ts';

export function importedCurve(r: MergedResult, opts: { id: string; label: string }): CurveSeries {
  const last = Math.max(r.cases ?? 0, r.steps.length ? r.steps[r.steps.length - 1]!.index + 1 : 0);
  const points: CurvePoint[] = [{ edit: 0, me_ppl: r.baseline.me_ppl, ppl_corpus: r.baseline.ppl_corpus, collapsed: false, tasks: { ...r.baseline.tasks }, label: 'unedited' }];
  const byIndex = new Map(r.steps.map((s) => [s.index, s]));
  const failed = new Map(r.failed.map((f) => [f.index, f.error]));
  for (let i = 0; i < last; i++) {
    const s = byIndex.get(i);
    points.push(
      s
        ? { edit: i + 1, me_ppl: s.metrics.me_ppl, ppl_corpus: s.metrics.ppl_corpus, collapsed: s.collapsed, tasks: { ...s.metrics.tasks }, label: s.request ? `${s.request.subject} → ${s.request.target_new}` : `case ${i}` }
        : { edit: i + 1, me_ppl: NaN, ppl_corpus: NaN, collapsed: false, tasks: {}, label: failed.has(i) ? `case ${i}: failed` : `case ${i}: no result` },
    );
  }
  const method = (r.experiment?.method as { name?: unknown } | undefined)?.name;
  return { id: opts.id, label: opts.label, method: (typeof method === 'string' ? method : 'rome') as MethodName, frozen: true, collapseFactor: r.collapseFactor, points };
}

/** A label for the legend: the method and model the result came from, else the first file's name. */
export function importedLabel(r: MergedResult): string {
  const method = (r.experiment?.method as { name?: unknown } | undefined)?.name;
  const model = r.experiment?.model;
  if (typeof method === 'string' && typeof model === 'string') {
    // The method's own label (without its parenthetical), so imported and live curves name methods alike.
    const name = (METHOD_LABELS as Record<string, string>)[method]?.split(' (')[0] ?? method.slice(0, 20).toUpperCase();
    return `${name} ${model.split('/').pop()} (imported)`;
  }
  return `${(r.sources[0] ?? 'results').split('/').pop()} (imported)`;
}
