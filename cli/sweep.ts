// `lab sweep <experiment.json> [--cases N] [--mode single|sequential]
//   [--tasks lambada:50,piqa:50] [--seed S] [--out dir] [--resume] [--max-steps K]`
// Runs the experiment's method over N edits, writes steps.jsonl (one line
// per step, flushed), summary.csv, curves.svg and correlation.json into the
// output folder, shows progress and an ETA on stderr, and prints the
// correlation of log ME-PPL with each task's accuracy at the end. Ctrl-C
// stops cleanly after writing what is finished; --resume continues.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { formatCorrelation } from '../models/eval/correlation.ts';
import { parseTaskList } from '../models/eval/tasks.ts';
import { ExperimentError, parseExperimentJson, type Experiment } from '../models/experiment.ts';
import { resolveModel } from './model-source.ts';
import { CliError, stringFlag, type ParsedArgs } from './args.ts';
import { progressLine } from './progress.ts';
import { runSweep } from './sweep-run.ts';

export const SWEEP_USAGE = `lab sweep <experiment.json> [--cases N] [--mode single|sequential] [--tasks lambada:50,piqa:50]
            [--seed S] [--out dir] [--resume] [--max-steps K]
      N edits (the experiment's own, else the first N of counterfact_500; default 10);
      writes steps.jsonl, summary.csv, curves.svg, correlation.json to --out (default .cache/sweeps/<name>-<mode>)`;

function intFlag(args: ParsedArgs, name: string, min: number): number | undefined {
  const v = stringFlag(args, name);
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v) || Number(v) < min) throw new CliError(`--${name} must be a whole number ≥ ${min}, got "${v}"`);
  return Number(v);
}

export async function sweepCommand(args: ParsedArgs): Promise<void> {
  const file = args.positionals[0];
  if (!file) throw new CliError(`lab sweep needs an experiment file:\n  ${SWEEP_USAGE}`);
  const mode = stringFlag(args, 'mode');
  if (mode !== undefined && mode !== 'single' && mode !== 'sequential') throw new CliError(`--mode must be single or sequential, got "${mode}"`);
  let tasks: Record<string, number> | undefined;
  const taskSpec = stringFlag(args, 'tasks');
  if (taskSpec !== undefined) {
    try {
      tasks = parseTaskList(taskSpec);
    } catch (e) {
      throw new CliError(`--tasks: ${(e as Error).message}`);
    }
  }
  const cases = intFlag(args, 'cases', 1);
  const maxSteps = intFlag(args, 'max-steps', 0);
  const seed = intFlag(args, 'seed', 0);

  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new CliError(`cannot read ${file}`);
  }
  let exp: Experiment;
  try {
    exp = parseExperimentJson(text, file);
  } catch (e) {
    if (e instanceof ExperimentError) throw new CliError(e.message);
    throw e;
  }
  // A local model folder may be written relative to the experiment file (as lab run does).
  const local = resolve(dirname(file), exp.model);
  const modelSpec = existsSync(exp.model) || !existsSync(local) ? exp.model : local;
  const name = basename(file).replace(/\.json$/i, '');
  const outDir = stringFlag(args, 'out') ?? join('.cache', 'sweeps', `${name}-${mode ?? exp.mode}`);

  const abort = new AbortController();
  const onSigint = () => {
    process.stderr.write('\nstopping: finished steps are saved; rerun with --resume to continue\n');
    abort.abort();
  };
  process.once('SIGINT', onSigint);
  try {
    const out = await runSweep({
      experiment: exp,
      name,
      outDir,
      cases,
      mode: mode as 'single' | 'sequential' | undefined,
      tasks,
      seed,
      resume: args.flags.has('resume'),
      maxSteps,
      model: resolveModel(modelSpec),
      signal: abort.signal,
      log: (line) => process.stderr.write(line + '\n'),
      progress: progressLine,
    });
    progressLine('');
    process.stdout.write(`${out.steps.length} of ${out.header.edits.length} steps done (${out.computed.length} now)${out.complete ? '' : ' — rerun with --resume to continue'}\n`);
    process.stdout.write(formatCorrelation(out.correlation) + '\n');
    process.stdout.write(`wrote ${out.files.log}, ${out.files.csv}, ${out.files.svg}, ${out.files.correlation}\n`);
  } catch (e) {
    if (abort.signal.aborted) throw new CliError('interrupted; rerun with --resume to continue');
    throw e;
  } finally {
    process.off('SIGINT', onSigint);
  }
}
