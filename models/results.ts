// Results brought back from elsewhere (run.py under EasyEdit, `lab sweep`,
// `lab run --json`): parse each file's lines, merge shards into one Result
// (shared/spec/experiment.md), and say plainly what does not fit — shards of
// different experiments, two different answers for one case, cases nobody ran.
// Pure logic: the CLI's `lab import` and the app's "Open results" share it.
// Files are anyone's text: every size is bounded and every field checked.

export const RESULT_LIMITS = { steps: 100_000, fileBytes: 64 * 1024 * 1024, index: 1_000_000 } as const;

export class ResultsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ResultsError';
  }
}

export interface ResultMetrics {
  me_ppl: number;
  ppl_corpus: number;
  /** Task id → accuracy. */
  tasks: Record<string, number>;
}

export interface ResultStep {
  /** Position of the case in the sweep (the curve's edit number is index + 1). */
  index: number;
  metrics: ResultMetrics;
  collapsed: boolean;
  diagnostics: Record<string, unknown> | null;
  request: { prompt: string; subject: string; target_new: string } | null;
}

export interface MergedResult {
  /** The Experiment the lines came from (header), when they said. */
  experiment: Record<string, unknown> | null;
  mode: 'single' | 'sequential' | null;
  /** How many cases the sweep has (from the header), when known. */
  cases: number | null;
  baseline: ResultMetrics;
  steps: ResultStep[];
  failed: { index: number; error: string }[];
  /** Cases 0..cases-1 with neither a step nor a failure. */
  missing: number[];
  collapseFactor: number;
  warnings: string[];
  /** Where it came from (file names), for labels. */
  sources: string[];
}

interface ParsedFile {
  name: string;
  header: Record<string, unknown> | null;
  baseline: ResultMetrics | null;
  steps: ResultStep[];
  failed: { index: number; error: string }[];
}

const NON_FINITE: Record<string, number> = { NaN: NaN, Infinity: Infinity, '-Infinity': -Infinity };

function num(v: unknown, where: string): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && v in NON_FINITE) return NON_FINITE[v]!;
  if (v === null) return NaN; // JSON.stringify writes NaN as null
  throw new ResultsError(`${where} must be a number`);
}

function obj(v: unknown, where: string): Record<string, unknown> {
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new ResultsError(`${where} must be an object`);
  return v as Record<string, unknown>;
}

function metricsOf(v: unknown, where: string): ResultMetrics {
  const m = obj(v, where);
  const tasks: Record<string, number> = {};
  // Lab lines keep accuracies under "tasks"; a Result's step spreads them beside me_ppl.
  const taskSource = m.tasks && typeof m.tasks === 'object' ? (m.tasks as Record<string, unknown>) : Object.fromEntries(Object.entries(m).filter(([k]) => !['me_ppl', 'ppl_corpus', 'collapsed', 'collapseReason', 'per_text_ppl', 'per_text', 'taskMetrics', 'edit'].includes(k)));
  for (const [k, x] of Object.entries(taskSource).slice(0, 32)) {
    if (!/^[a-z0-9_-]{1,40}$/.test(k)) continue;
    if (typeof x === 'number' || (typeof x === 'string' && x in NON_FINITE)) tasks[k] = num(x, `${where}.${k}`);
  }
  return { me_ppl: num(m.me_ppl, `${where}.me_ppl`), ppl_corpus: m.ppl_corpus === undefined ? NaN : num(m.ppl_corpus, `${where}.ppl_corpus`), tasks };
}

function indexOf(v: unknown, where: string): number {
  if (!Number.isInteger(v) || (v as number) < 0 || (v as number) > RESULT_LIMITS.index) throw new ResultsError(`${where} must be a case number from 0 to ${RESULT_LIMITS.index}`);
  return v as number;
}

function requestOf(v: unknown): ResultStep['request'] {
  if (!v || typeof v !== 'object') return null;
  const r = v as Record<string, unknown>;
  return typeof r.subject === 'string' && typeof r.target_new === 'string' && typeof r.prompt === 'string'
    ? { prompt: r.prompt.slice(0, 2000), subject: r.subject.slice(0, 2000), target_new: r.target_new.slice(0, 2000) }
    : null;
}

function stepOf(v: Record<string, unknown>, where: string, fallbackIndex: number): ResultStep {
  const index = v.index !== undefined ? indexOf(v.index, `${where}.index`) : v.edit !== undefined ? indexOf(v.edit, `${where}.edit`) : fallbackIndex;
  const metrics = metricsOf(v.metrics, `${where}.metrics`);
  const m = v.metrics as Record<string, unknown>;
  const collapsed = typeof v.collapsed === 'boolean' ? v.collapsed : m.collapsed === true;
  const diagnostics = v.diagnostics && typeof v.diagnostics === 'object' && !Array.isArray(v.diagnostics) ? (v.diagnostics as Record<string, unknown>) : null;
  return { index, metrics, collapsed, diagnostics, request: requestOf(v.request) };
}

/** One file: JSONL lines (sweep / baseline / step / failed), or one Result object ({baseline, steps}). */
export function parseResultFile(text: string, name: string): ParsedFile {
  if (text.length > RESULT_LIMITS.fileBytes) throw new ResultsError(`${name} is larger than ${RESULT_LIMITS.fileBytes / 2 ** 20} MiB`);
  const out: ParsedFile = { name, header: null, baseline: null, steps: [], failed: [] };
  const trimmed = text.trim();
  if (!trimmed) throw new ResultsError(`${name} is empty`);
  // A whole Result (lab run --json, lab import --out) is one JSON object over one or more lines.
  if (trimmed.startsWith('{') && !trimmed.includes('\n{')) {
    let v: Record<string, unknown>;
    try {
      v = JSON.parse(trimmed) as Record<string, unknown>;
    } catch {
      v = {};
    }
    if (v && typeof v === 'object' && 'baseline' in v && Array.isArray(v.steps)) {
      out.baseline = metricsOf(v.baseline, `${name}: baseline`);
      if (v.experiment && typeof v.experiment === 'object') out.header = { experiment: v.experiment, mode: v.mode, cases: v.cases };
      if (v.steps.length > RESULT_LIMITS.steps) throw new ResultsError(`${name} has more than ${RESULT_LIMITS.steps} steps`);
      v.steps.forEach((s, i) => out.steps.push(stepOf(obj(s, `${name}: steps[${i}]`), `${name}: steps[${i}]`, i)));
      if (Array.isArray(v.failed)) for (const f of v.failed.slice(0, RESULT_LIMITS.steps)) out.failed.push({ index: indexOf((f as { index?: unknown })?.index, `${name}: failed`), error: String((f as { error?: unknown }).error ?? '').slice(0, 2000) });
      return out;
    }
  }
  const lines = text.split('\n');
  // A torn last line (a job killed mid-write) is dropped, as the sweep log does.
  if (lines.length > 1 && lines[lines.length - 1]!.trim() !== '') lines.pop();
  lines.forEach((line, i) => {
    if (!line.trim()) return;
    const where = `${name}: line ${i + 1}`;
    let v: Record<string, unknown>;
    try {
      v = obj(JSON.parse(line), where);
    } catch (e) {
      throw e instanceof ResultsError ? e : new ResultsError(`${where} is not valid JSON`);
    }
    switch (v.type) {
      case 'sweep':
        out.header = v;
        break;
      case 'baseline':
        out.baseline = metricsOf(v.metrics, `${where}: metrics`);
        break;
      case 'step':
        if (out.steps.length >= RESULT_LIMITS.steps) throw new ResultsError(`${name} has more than ${RESULT_LIMITS.steps} steps`);
        out.steps.push(stepOf(v, where, out.steps.length));
        break;
      case 'failed':
        out.failed.push({ index: indexOf(v.index, `${where}.index`), error: String(v.error ?? '').slice(0, 2000) });
        break;
      default:
        throw new ResultsError(`${where} is not a result line (its "type" is ${JSON.stringify(v.type)?.slice(0, 20)}; expected sweep, baseline, step or failed)`);
    }
  });
  if (!out.baseline) throw new ResultsError(`${name} has no baseline line: it is not a results file of the lab or run.py`);
  return out;
}

const same = (a: number, b: number) => a === b || (Number.isNaN(a) && Number.isNaN(b)) || Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b));

/** Shards (or one file) → one result. Throws when they cannot belong together. */
export function mergeResults(files: { name: string; text: string }[]): MergedResult {
  if (!files.length) throw new ResultsError('no results files given');
  const parsed = files.map((f) => parseResultFile(f.text, f.name));
  const warnings: string[] = [];
  const first = parsed[0]!;
  const key = (p: ParsedFile) => (p.header ? JSON.stringify([p.header.experiment ?? null, p.header.mode ?? null]) : null);
  for (const p of parsed.slice(1)) {
    const a = key(first);
    const b = key(p);
    if (a !== null && b !== null && a !== b) throw new ResultsError(`${p.name} and ${first.name} come from different experiments (or modes): they are not shards of one sweep`);
    if (!same(p.baseline!.me_ppl, first.baseline!.me_ppl)) {
      const rel = Math.abs(p.baseline!.me_ppl - first.baseline!.me_ppl) / Math.abs(first.baseline!.me_ppl);
      warnings.push(`the unedited ME-PPL differs between ${first.name} (${first.baseline!.me_ppl}) and ${p.name} (${p.baseline!.me_ppl}), relative ${rel.toExponential(1)}: ${first.name}'s is used`);
    }
  }
  const byIndex = new Map<number, { step: ResultStep; from: string }>();
  for (const p of parsed) {
    for (const s of p.steps) {
      const had = byIndex.get(s.index);
      if (had && !same(had.step.metrics.me_ppl, s.metrics.me_ppl)) throw new ResultsError(`case ${s.index} has two different results (${had.from}: ME-PPL ${had.step.metrics.me_ppl}; ${p.name}: ${s.metrics.me_ppl}): the files overlap`);
      if (!had) byIndex.set(s.index, { step: s, from: p.name });
    }
  }
  const failed = new Map<number, string>();
  for (const p of parsed) for (const f of p.failed) if (!byIndex.has(f.index)) failed.set(f.index, f.error);
  const header = parsed.find((p) => p.header)?.header ?? null;
  const experiment = header?.experiment && typeof header.experiment === 'object' ? (header.experiment as Record<string, unknown>) : null;
  const mode = header?.mode === 'single' || header?.mode === 'sequential' ? header.mode : null;
  const cases = Array.isArray(header?.edits) ? header.edits.length : typeof header?.cases === 'number' ? header.cases : null;
  const steps = [...byIndex.values()].map((x) => x.step).sort((a, b) => a.index - b.index);
  const missing: number[] = [];
  if (cases !== null) for (let i = 0; i < cases; i++) if (!byIndex.has(i) && !failed.has(i)) missing.push(i);
  if (missing.length) warnings.push(`${missing.length} of ${cases} cases have no result yet (${missing.slice(0, 10).join(', ')}${missing.length > 10 ? ', …' : ''}): a shard is missing or still running`);
  if (failed.size) warnings.push(`${failed.size} edit${failed.size === 1 ? '' : 's'} failed (${[...failed.keys()].slice(0, 10).join(', ')})`);
  const evalSpec = experiment?.eval as { collapse_factor?: unknown } | undefined;
  const factor = typeof evalSpec?.collapse_factor === 'number' && evalSpec.collapse_factor >= 1 ? evalSpec.collapse_factor : 10;
  return {
    experiment,
    mode,
    cases,
    baseline: first.baseline!,
    steps,
    failed: [...failed].map(([index, error]) => ({ index, error })).sort((a, b) => a.index - b.index),
    missing,
    collapseFactor: factor,
    warnings,
    sources: parsed.map((p) => p.name),
  };
}

/** The Result (shared/spec/experiment.md), with what the merge knows beside it. */
export function resultJson(r: MergedResult) {
  return {
    ...(r.experiment ? { experiment: r.experiment } : {}),
    ...(r.mode ? { mode: r.mode } : {}),
    ...(r.cases !== null ? { cases: r.cases } : {}),
    baseline: { me_ppl: r.baseline.me_ppl, ppl_corpus: r.baseline.ppl_corpus, ...r.baseline.tasks },
    steps: r.steps.map((s) => ({
      edit: s.index,
      index: s.index,
      ...(s.request ? { request: s.request } : {}),
      diagnostics: s.diagnostics,
      metrics: { me_ppl: s.metrics.me_ppl, ppl_corpus: s.metrics.ppl_corpus, ...s.metrics.tasks },
      collapsed: s.collapsed,
    })),
    ...(r.failed.length ? { failed: r.failed } : {}),
  };
}

/** JSON with non-finite numbers as "NaN"/"Infinity" strings (what the readers above accept back). */
export function stringifyResult(value: unknown): string {
  return JSON.stringify(value, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v));
}
