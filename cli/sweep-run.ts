// A sweep: one Experiment's method over a list of edits (the experiment's
// own, or the first N CounterFact cases), single or sequential, scoring the
// live plan (ME-PPL + tasks + the case's edit metrics) after every edit.
// Every finished step is on disk (sweep-log.ts) before the next begins; a
// resume reads the log, re-applies the finished steps' exact updates
// (sequential) without recomputing them, and carries on. The CSV, the SVG
// and the correlation report are rewritten after every step.
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { COUNTERFACT_PATHS } from '../models/data/datasets.ts';
import { counterFactEdit, parseCounterFact, type CounterFactRecord } from '../models/data/counterfact.ts';
import { DEFAULT_COLLAPSE_FACTOR } from '../models/defaults.ts';
import { correlationReport, type TaskCorrelation } from '../models/eval/correlation.ts';
import { counterFactCase, type LocalityCache } from '../models/eval/edit-metrics.ts';
import type { Experiment } from '../models/experiment.ts';
import { nodeGpuContext } from '../models/gpu/node-gpu.ts';
import type { ModelFiles } from '../models/gpt2/load.ts';
import { Lab, LabError, type LabEnv, type LabProgress } from '../models/lab.ts';
import type { EditStep } from '../models/lab-types.ts';
import { CliError } from './args.ts';
import { resolveModel } from './model-source.ts';
import { nodeLabEnv } from './node-env.ts';
import { curvesSvg, type CurvePoint } from './sweep-svg.ts';
import { summaryCsv } from './sweep-csv.ts';
import { deltaOf, encodeLine, LogWriter, loggedDelta, loggedPoint, readLog, type BaselineLine, type FailedLine, type StepLine, type SweepEdit, type SweepHeader } from './sweep-log.ts';

export const DEFAULT_SWEEP_CASES = 10;

export interface SweepConfig {
  experiment: Experiment;
  /** For titles and the default folder name. */
  name: string;
  outDir: string;
  /** How many edits (default: all the experiment's edits, else 10 CounterFact cases). */
  cases?: number;
  mode?: 'single' | 'sequential';
  tasks?: Record<string, number>;
  seed?: number;
  resume?: boolean;
  /** Stop after this many newly computed steps (an interruption on purpose). */
  maxSteps?: number;
  env?: LabEnv;
  model?: ModelFiles;
  signal?: AbortSignal;
  /** One line per finished step, with an ETA (stderr). */
  log?: (line: string) => void;
  /** Progress inside a step (a rewritten terminal line). */
  progress?: (line: string) => void;
  /** Called once a step's line is on disk (tests use it to snapshot an interrupted log). */
  afterStep?: (line: StepLine | FailedLine) => void;
}

export interface SweepOutcome {
  header: SweepHeader;
  baseline: BaselineLine;
  steps: (StepLine | FailedLine)[];
  /** Indices computed by this invocation (the rest came from the log). */
  computed: number[];
  complete: boolean;
  correlation: TaskCorrelation[];
  files: { log: string; csv: string; svg: string; correlation: string };
}

const COUNTERFACT = COUNTERFACT_PATHS['counterfact-500']!;

async function sweepEdits(exp: Experiment, cases: number | undefined, env: LabEnv): Promise<{ edits: SweepEdit[]; records: (CounterFactRecord | null)[] }> {
  if (cases !== undefined && (!Number.isInteger(cases) || cases < 1)) throw new CliError(`--cases must be a positive whole number, got ${cases}`);
  if (exp.edits.length) {
    const list = exp.edits.slice(0, cases ?? exp.edits.length);
    return { edits: list.map((request) => ({ case_id: null, request })), records: list.map(() => null) };
  }
  const all = parseCounterFact(await env.readAsset(COUNTERFACT), COUNTERFACT);
  const recs = all.slice(0, cases ?? DEFAULT_SWEEP_CASES);
  return { edits: recs.map((r) => ({ case_id: r.case_id, request: counterFactEdit(r) })), records: recs };
}

function stepOf(l: StepLine): EditStep {
  const { type: _t, index: _i, case_id: _c, deltas: _d, metrics, ...rest } = l;
  const { per_text_ppl: _p, ...point } = metrics;
  return { ...rest, metrics: point };
}

export function writeAtomic(path: string, text: string): void {
  writeFileSync(path + '.tmp', text);
  renameSync(path + '.tmp', path);
}

const duration = (ms: number) => {
  const s = Math.round(ms / 1000);
  return s >= 3600 ? `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m` : s >= 60 ? `${Math.floor(s / 60)}m ${s % 60}s` : `${s}s`;
};

export async function runSweep(cfg: SweepConfig): Promise<SweepOutcome> {
  const env = cfg.env ?? nodeLabEnv();
  const exp = cfg.experiment;
  const mode = cfg.mode ?? exp.mode;
  const tasks = cfg.tasks ?? exp.eval?.tasks ?? {};
  const seed = cfg.seed ?? exp.eval?.seed ?? 0;
  const { edits, records } = await sweepEdits(exp, cfg.cases, env);
  const header: SweepHeader = { type: 'sweep', version: 1, experiment: exp, mode, tasks, seed, edits };

  mkdirSync(cfg.outDir, { recursive: true });
  const files = {
    log: join(cfg.outDir, 'steps.jsonl'),
    csv: join(cfg.outDir, 'summary.csv'),
    svg: join(cfg.outDir, 'curves.svg'),
    correlation: join(cfg.outDir, 'correlation.json'),
  };

  // What an earlier run of the same sweep finished.
  let baseline: BaselineLine | null = null;
  const steps: (StepLine | FailedLine)[] = [];
  let writer: LogWriter;
  if (existsSync(files.log)) {
    if (!cfg.resume) throw new CliError(`${files.log} already holds a sweep: pass --resume to continue it, or choose another --out`);
    const prior = readLog(files.log);
    const [first, ...rest] = prior.lines;
    if (first && first.type !== 'sweep') throw new CliError(`${files.log}: line 1 is not a sweep header`);
    if (first && encodeLine(first) !== encodeLine(header)) {
      throw new CliError(`${files.log} records a different sweep (experiment, mode, tasks, seed or edits differ): choose another --out`);
    }
    for (const l of rest) {
      if (l.type === 'baseline') baseline = l;
      else if (l.type === 'step' || l.type === 'failed') {
        if (l.index !== steps.length) throw new CliError(`${files.log}: step ${l.index} is out of order (expected ${steps.length})`);
        steps.push(l);
      }
    }
    writer = new LogWriter(files.log, prior.validBytes);
    if (!first) writer.append(header);
    if (prior.torn) cfg.log?.(`dropped a torn last line of ${files.log}`);
  } else {
    writer = new LogWriter(files.log, null);
    writer.append(header);
  }

  const computed: number[] = [];
  try {
    const ctx = await nodeGpuContext();
    const lab = new Lab(ctx, env);
    const onProgress = (k: number) => (p: LabProgress) =>
      cfg.progress?.(`[${k}/${edits.length}] ${p.stage}${p.detail ? ` ${p.detail}` : ''}${p.fraction !== null ? ` ${Math.round(100 * p.fraction)}%` : ''}`);
    await lab.loadModel(cfg.model ?? resolveModel(exp.model), { signal: cfg.signal, onProgress: onProgress(0) });
    const collapseFactor = exp.eval?.collapse_factor ?? DEFAULT_COLLAPSE_FACTOR;
    const { baseline: base } = await lab.configure({ ...exp, mode, eval: { ...exp.eval, tasks, seed } }, { signal: cfg.signal, onProgress: onProgress(0) });
    // A sweep's step is one edit (its log, resume and curves count edits); batches run through `lab run`.
    if (lab.batchSize() > 1) throw new CliError(`lab sweep makes one edit per update; batch_size ${lab.batchSize()} runs through lab run`);
    if (!baseline) {
      baseline = { type: 'baseline', metrics: loggedPoint(base) };
      writer.append(baseline);
    }

    // EasyEdit locality compares with the unedited model: cache it for the edits still to do.
    const todo = records.slice(steps.length);
    const caches: (LocalityCache | null)[] = new Array(steps.length).fill(null);
    if (todo.some(Boolean)) {
      const cases = todo.filter((r): r is CounterFactRecord => r !== null).map(counterFactCase);
      const got = await lab.localityCaches(cases, { signal: cfg.signal, onProgress: onProgress(0) });
      let k = 0;
      for (const r of todo) caches.push(r ? got[k++]! : null);
    }

    await lab.restoreSteps(
      steps
        .filter((l): l is StepLine => l.type === 'step')
        .map((l) => ({ step: stepOf(l), deltas: l.deltas ? l.deltas.map(deltaOf) : null })),
    );
    const writeReports = () => writeSweepReports(files, header, baseline!, steps, cfg.name, collapseFactor);
    if (steps.length) writeReports();

    const t0 = performance.now();
    for (let i = steps.length; i < edits.length; i++) {
      if (cfg.maxSteps !== undefined && computed.length >= cfg.maxSteps) break;
      cfg.signal?.throwIfAborted();
      const e = edits[i]!;
      const rec = records[i];
      let line: StepLine | FailedLine;
      try {
        const step = await lab.applyEdit(e.request, {
          signal: cfg.signal,
          onProgress: onProgress(i + 1),
          probe: rec ? { case: counterFactCase(rec), locality: caches[i] ?? null } : undefined,
        });
        const d = mode === 'sequential' ? lab.appliedDeltas(lab.stepList.length - 1) : null;
        line = {
          type: 'step',
          index: i,
          case_id: e.case_id,
          ...step,
          metrics: loggedPoint(step.metrics),
          ...(d ? { deltas: d.map(loggedDelta) } : {}),
        };
      } catch (err) {
        // A refused edit (non-finite update) is a result, not a crash: record it and go on.
        if (!(err instanceof LabError) || cfg.signal?.aborted) throw err;
        line = { type: 'failed', index: i, case_id: e.case_id, request: e.request, error: err.message };
      }
      writer.append(line);
      steps.push(line);
      computed.push(i);
      writeReports();
      const per = (performance.now() - t0) / computed.length;
      const last = Math.min(edits.length, cfg.maxSteps !== undefined ? steps.length - computed.length + cfg.maxSteps : edits.length);
      cfg.progress?.('');
      cfg.log?.(`[${i + 1}/${edits.length}] ${describeStep(line)} · ${duration(per)}/step · ETA ${duration(per * (last - i - 1))}`);
      cfg.afterStep?.(line);
    }
    writeReports();
    return {
      header,
      baseline: baseline!,
      steps,
      computed,
      complete: steps.length === edits.length,
      correlation: correlationReport(okSteps(steps).map((s) => s.metrics)),
      files,
    };
  } finally {
    writer.close();
  }
}

function okSteps(steps: readonly (StepLine | FailedLine)[]): StepLine[] {
  return steps.filter((s): s is StepLine => s.type === 'step');
}

function describeStep(l: StepLine | FailedLine): string {
  const r = l.request;
  const what = `${l.case_id !== null ? `case ${l.case_id} ` : ''}${r.subject}: ${r.target_true ? `${r.target_true} → ` : ''}${r.target_new}`;
  if (l.type === 'failed') return `${what} · FAILED: ${l.error}`;
  const m = l.metrics;
  const tasks = Object.entries(m.tasks).map(([k, v]) => `${k} ${v.toFixed(3)}`);
  const edit = m.edit ? [`efficacy ${m.edit.efficacy}`, `score ${m.edit.score.toFixed(2)}`] : [];
  return [what, `ME-PPL ${m.me_ppl.toPrecision(4)}${m.collapsed ? ' COLLAPSED' : ''}`, ...tasks, ...edit].join(' · ');
}

export function writeSweepReports(
  files: SweepOutcome['files'],
  header: SweepHeader,
  baseline: BaselineLine,
  steps: readonly (StepLine | FailedLine)[],
  name: string,
  collapseFactor: number,
): void {
  const taskIds = Object.keys(header.tasks);
  writeAtomic(files.csv, summaryCsv(baseline, steps, taskIds));
  const points: CurvePoint[] = [
    { x: 0, mePpl: baseline.metrics.me_ppl, collapsed: baseline.metrics.collapsed, tasks: baseline.metrics.tasks },
    ...okSteps(steps).map((s) => ({ x: s.index + 1, mePpl: s.metrics.me_ppl, collapsed: s.metrics.collapsed, tasks: s.metrics.tasks })),
  ];
  const method = header.experiment.method.name.toUpperCase();
  writeAtomic(
    files.svg,
    curvesSvg(points, { title: `${name}: ${method}, ${header.mode}, ${steps.length} of ${header.edits.length} edits`, threshold: collapseFactor * baseline.metrics.me_ppl, tasks: taskIds, mode: header.mode }),
  );
  const corr = correlationReport(okSteps(steps).map((s) => s.metrics));
  // JSON has no NaN: an undefined correlation is written as null.
  writeAtomic(files.correlation, JSON.stringify({ measure: 'log ME-PPL vs task accuracy over the sweep steps', tasks: corr }, null, 2) + '\n');
}
