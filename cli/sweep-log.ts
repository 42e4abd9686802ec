// The sweep's JSONL log: one line per record, written whole and flushed
// (fsync) before the next step starts, so a killed sweep leaves every
// finished step on disk and at most one torn last line, which reading drops.
//   line 1   {"type":"sweep", ...}     what is being run (a resume must match it)
//   line 2   {"type":"baseline", ...}  the unedited model's point
//   then     {"type":"step", ...} or {"type":"failed", ...}, one per edit, in order
// Non-finite numbers (a collapsed model's ME-PPL) are written as the strings
// "NaN", "Infinity", "-Infinity" inside metrics and diagnostics, and read back as numbers.
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, truncateSync, writeSync } from 'node:fs';
import type { WeightDelta } from '../models/editing/history.ts';
import type { EditRequest, Experiment } from '../models/experiment.ts';
import type { EditStep, EvalPoint } from '../models/lab-types.ts';
import { CliError } from './args.ts';

export interface SweepEdit {
  /** CounterFact case id, when the edit came from CounterFact. */
  case_id: number | null;
  request: EditRequest;
}

export interface SweepHeader {
  type: 'sweep';
  version: 1;
  experiment: Experiment;
  mode: 'single' | 'sequential';
  tasks: Record<string, number>;
  seed: number;
  edits: SweepEdit[];
}

/** An EvalPoint as logged: per-token NLLs dropped, per-text perplexities kept. */
export type LoggedPoint = Omit<EvalPoint, 'perplexity' | 'pending'> & { per_text_ppl?: number[] };

export interface BaselineLine {
  type: 'baseline';
  metrics: LoggedPoint;
}

export interface StepLine extends Omit<EditStep, 'metrics'> {
  type: 'step';
  /** Position in the sweep's edit list (EditStep.edit counts successful edits only). */
  index: number;
  case_id: number | null;
  metrics: LoggedPoint;
  /** Sequential mode: the edit's exact weight deltas, so a resume re-applies them without recomputing. */
  deltas?: LoggedDelta[];
}

/** A WeightDelta as JSON (f32 values as numbers: JSON round-trips them exactly). */
export type LoggedDelta = { param: string; u: number[]; right: number[] } | { param: string; values: number[] };

export function loggedDelta(d: WeightDelta): LoggedDelta {
  return 'values' in d ? { param: d.param, values: Array.from(d.values) } : { param: d.param, u: Array.from(d.u), right: Array.from(d.right) };
}

export function deltaOf(d: LoggedDelta): WeightDelta {
  return 'values' in d ? { param: d.param, values: Float32Array.from(d.values) } : { param: d.param, u: Float32Array.from(d.u), right: Float32Array.from(d.right) };
}

export interface FailedLine {
  type: 'failed';
  index: number;
  case_id: number | null;
  request: EditRequest;
  error: string;
}

export type SweepLine = SweepHeader | BaselineLine | StepLine | FailedLine;

export function loggedPoint(p: EvalPoint): LoggedPoint {
  const { perplexity, pending: _pending, ...rest } = p;
  return perplexity ? { ...rest, per_text_ppl: perplexity.per_text.map((t) => t.ppl) } : rest;
}

const NON_FINITE = new Set(['NaN', 'Infinity', '-Infinity']);

function encodeNonFinite(_key: string, v: unknown): unknown {
  return typeof v === 'number' && !Number.isFinite(v) ? String(v) : v;
}

/** Numbers written as "NaN"/"Infinity" come back as numbers (only inside numeric subtrees). */
function reviveNumbers(v: unknown): unknown {
  if (typeof v === 'string' && NON_FINITE.has(v)) return Number(v);
  if (Array.isArray(v)) return v.map(reviveNumbers);
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = k === 'collapseReason' || k === 'generation' ? x : reviveNumbers(x);
    return out;
  }
  return v;
}

export function encodeLine(line: SweepLine): string {
  return JSON.stringify(line, encodeNonFinite) + '\n';
}

function decodeLine(text: string, where: string): SweepLine {
  let v: Record<string, unknown>;
  try {
    v = JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new CliError(`${where} is not valid JSON: the log is damaged`);
  }
  if (!v || typeof v !== 'object' || !['sweep', 'baseline', 'step', 'failed'].includes(v.type as string)) throw new CliError(`${where} is not a sweep record`);
  for (const k of ['metrics', 'diagnostics', 'before', 'after']) if (k in v) v[k] = reviveNumbers(v[k]);
  return v as unknown as SweepLine;
}

export interface ReadLog {
  lines: SweepLine[];
  /** Bytes of complete lines; anything after is a torn write. */
  validBytes: number;
  torn: boolean;
}

export function readLog(path: string): ReadLog {
  const buf = readFileSync(path);
  const end = buf.lastIndexOf(0x0a) + 1;
  const text = buf.subarray(0, end).toString('utf8');
  const lines = text
    .split('\n')
    .slice(0, -1)
    .map((l, i) => decodeLine(l, `${path}: line ${i + 1}`));
  return { lines, validBytes: end, torn: end < buf.length };
}

/** Appends whole lines and flushes each one to disk. */
export class LogWriter {
  private fd: number;

  constructor(readonly path: string, validBytes: number | null) {
    // Drop a torn last line before appending after it.
    if (validBytes !== null && existsSync(path)) truncateSync(path, validBytes);
    this.fd = openSync(path, validBytes === null ? 'w' : 'a');
  }

  append(line: SweepLine): void {
    const bytes = Buffer.from(encodeLine(line), 'utf8');
    let off = 0;
    while (off < bytes.length) off += writeSync(this.fd, bytes, off, bytes.length - off);
    fsyncSync(this.fd);
  }

  close(): void {
    closeSync(this.fd);
  }
}
