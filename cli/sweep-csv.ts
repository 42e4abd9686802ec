// The sweep's summary table: the baseline row, then one row per edit.
import type { BaselineLine, FailedLine, StepLine } from './sweep-log.ts';

const EDIT_METRICS = ['efficacy', 'generalization', 'specificity', 'score', 'rewrite_acc', 'rephrase_acc', 'locality'] as const;

function cell(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return String(v); // NaN and Infinity written out, not left blank
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

export function summaryCsv(baseline: BaselineLine | null, steps: readonly (StepLine | FailedLine)[], tasks: readonly string[]): string {
  const head = [
    'index', 'case_id', 'subject', 'target_new', 'status', 'collapsed', 'me_ppl', 'ppl_corpus',
    ...tasks, ...EDIT_METRICS,
    'denominator', 'update_norm', 'subject_at_start', 'target_prob_before', 'target_prob_after', 'elapsed_s',
  ];
  const rows: unknown[][] = [];
  if (baseline) {
    const m = baseline.metrics;
    rows.push(['baseline', '', '', '', 'ok', m.collapsed, m.me_ppl, m.ppl_corpus, ...tasks.map((t) => m.tasks[t]), ...EDIT_METRICS.map(() => '')]);
  }
  for (const s of steps) {
    if (s.type === 'failed') {
      rows.push([s.index, s.case_id, s.request.subject, s.request.target_new, `failed: ${s.error}`]);
      continue;
    }
    const m = s.metrics;
    const d = s.diagnostics;
    rows.push([
      s.index, s.case_id, s.request.subject, s.request.target_new, 'ok', m.collapsed, m.me_ppl, m.ppl_corpus,
      ...tasks.map((t) => m.tasks[t]), ...EDIT_METRICS.map((k) => m.edit?.[k]),
      d.denominator, d.update_norm, d.subject_at_start, s.before.targetProb, s.after.targetProb, s.elapsedMs / 1000,
    ]);
  }
  return [head, ...rows].map((r) => r.map(cell).join(',')).join('\n') + '\n';
}
