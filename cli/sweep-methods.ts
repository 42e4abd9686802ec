// `lab sweep --methods rome,memit,alphaedit`: the same edits, one sweep per
// method (each in <out>/<method>/, resumable as any sweep), then one curve per
// method in shared outputs: <out>/methods.jsonl (a line per method and point),
// methods.csv and methods.svg (the ME-PPL curves overlaid, with a legend).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Experiment, MethodName, MethodSpec } from '../models/experiment.ts';
import { METHOD_LABELS } from '../models/method-names.ts';
import { GPT2_SIZES, methodRows } from '../models/settings-table.ts';
import { DEFAULT_COLLAPSE_FACTOR } from '../models/defaults.ts';
import { runSweep, writeAtomic, type SweepConfig, type SweepOutcome } from './sweep-run.ts';
import { methodsSvg, type CurvePoint } from './sweep-svg.ts';
import type { StepLine } from './sweep-log.ts';

/**
 * The experiment's method knobs that `name` reads alike (shared v* knobs with
 * the same default, e.g. v_lr; not clamp_norm_factor, 4 for ROME and 0.75 for
 * MEMIT), under `name`, plus the templates; every other knob takes `name`'s defaults.
 */
export function methodSpecFor(spec: MethodSpec, name: MethodName): MethodSpec {
  const out: Record<string, unknown> = { name };
  const sameDefault = (row: ReturnType<typeof methodRows>[number]) =>
    GPT2_SIZES.every((s) => JSON.stringify(row.default({ method: spec.name, nLayer: s.nLayer })) === JSON.stringify(row.default({ method: name, nLayer: s.nLayer })));
  for (const row of methodRows(name)) {
    const field = row.key.slice('method.'.length);
    const v = (spec as unknown as Record<string, unknown>)[field];
    if (v !== undefined && row.methods?.includes(spec.name) && sameDefault(row)) out[field] = v;
  }
  if (spec.context_templates) out.context_templates = spec.context_templates;
  return out as unknown as MethodSpec;
}

export interface MethodsOutcome {
  outcomes: { method: MethodName; outcome: SweepOutcome }[];
  files: { jsonl: string; csv: string; svg: string };
}

export async function runMethodsSweep(cfg: SweepConfig & { methods: readonly MethodName[] }): Promise<MethodsOutcome> {
  mkdirSync(cfg.outDir, { recursive: true });
  const files = { jsonl: join(cfg.outDir, 'methods.jsonl'), csv: join(cfg.outDir, 'methods.csv'), svg: join(cfg.outDir, 'methods.svg') };
  const outcomes: MethodsOutcome['outcomes'] = [];
  const write = () => writeMethodsReports(files, outcomes, cfg.experiment, cfg.name, cfg.mode ?? cfg.experiment.mode);
  for (const method of cfg.methods) {
    cfg.log?.(`— ${METHOD_LABELS[method]} —`);
    const experiment: Experiment = { ...cfg.experiment, method: methodSpecFor(cfg.experiment.method, method) };
    const outcome = await runSweep({ ...cfg, experiment, outDir: join(cfg.outDir, method), name: `${cfg.name} ${method}` });
    outcomes.push({ method, outcome });
    write();
  }
  return { outcomes, files };
}

function pointsOf(o: SweepOutcome): CurvePoint[] {
  const ok = o.steps.filter((s): s is StepLine => s.type === 'step');
  return [
    { x: 0, mePpl: o.baseline.metrics.me_ppl, collapsed: o.baseline.metrics.collapsed, tasks: o.baseline.metrics.tasks },
    ...ok.map((s) => ({ x: s.index + 1, mePpl: s.metrics.me_ppl, collapsed: s.metrics.collapsed, tasks: s.metrics.tasks })),
  ];
}

export function writeMethodsReports(files: MethodsOutcome['files'], outcomes: MethodsOutcome['outcomes'], exp: Experiment, name: string, mode: 'single' | 'sequential'): void {
  const series = outcomes.map(({ method, outcome }) => ({ method, label: METHOD_LABELS[method], points: pointsOf(outcome) }));
  // JSON has no Infinity/NaN: a non-finite ME-PPL is written as null.
  const num = (v: number) => (Number.isFinite(v) ? v : null);
  writeAtomic(files.jsonl, series.flatMap((s) => s.points.map((p) => JSON.stringify({ method: s.method, edit: p.x, me_ppl: num(p.mePpl), collapsed: p.collapsed, tasks: p.tasks }) + '\n')).join(''));
  const tasks = [...new Set(series.flatMap((s) => s.points.flatMap((p) => Object.keys(p.tasks))))];
  const rows = ['method,edit,me_ppl,collapsed' + tasks.map((t) => `,${t}`).join('')];
  for (const s of series) for (const p of s.points) rows.push(`${s.method},${p.x},${p.mePpl},${p.collapsed}${tasks.map((t) => `,${p.tasks[t] ?? ''}`).join('')}`);
  writeAtomic(files.csv, rows.join('\n') + '\n');
  const base = outcomes[0]?.outcome.baseline.metrics.me_ppl;
  const factor = exp.eval?.collapse_factor ?? DEFAULT_COLLAPSE_FACTOR;
  writeAtomic(files.svg, methodsSvg(series, { title: `${name}: ${series.map((s) => s.label).join(' vs ')}, ${mode}`, threshold: base !== undefined ? factor * base : null, mode }));
}
