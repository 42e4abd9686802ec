// `lab sweep <experiment.json> [--cases N] [--tasks lambada:50,piqa:50]
//   [--out dir] [--resume] [--max-steps K] [--<setting> <value> ...]`
// Runs the experiment's method over N edits, writes steps.jsonl (one line
// per step, flushed), summary.csv, curves.svg and correlation.json into the
// output folder, shows progress and an ETA on stderr, and prints the
// correlation of log ME-PPL with each task's accuracy at the end. Ctrl-C
// stops cleanly after writing what is finished; --resume continues.
import { basename, join } from 'node:path';
import { formatCorrelation } from '../models/eval/correlation.ts';
import { parseTaskList } from '../models/eval/tasks.ts';
import { parseArgs } from 'node:util';
import { resolveModel } from './model-source.ts';
import { CliError } from './args.ts';
import { settingFlagOptions, settingOverrides } from './setting-flags.ts';
import { readExperimentFile } from './experiment-file.ts';
import { progressLine } from './progress.ts';
import { runSweep } from './sweep-run.ts';
import { runMethodsSweep } from './sweep-methods.ts';
import { METHOD_NAMES, type MethodName } from '../models/method-names.ts';

export const SWEEP_USAGE = `lab sweep <experiment.json> [--cases N] [--tasks lambada:50,piqa:50] [--out dir] [--resume] [--max-steps K]
            [--<setting> <value> ...]   any row of the settings table (docs/settings.md), e.g. --mode single --seed 3 --v-steps 5
            [--methods rome,c-rome,memit,ft-l,alphaedit]   the same edits per method (each in <out>/<method>/),
                                        one curve per method in <out>/methods.jsonl, methods.csv, methods.svg
      N edits (the experiment's own, else the first N of counterfact_500; default 10);
      writes steps.jsonl, summary.csv, curves.svg, correlation.json to --out (default .cache/sweeps/<name>-<mode>)`;

function parseMethodList(text: string): MethodName[] {
  const names = text.split(',').map((s) => s.trim()).filter(Boolean);
  if (!names.length) throw new CliError('--methods needs a comma-separated list of methods');
  for (const n of names) if (!(METHOD_NAMES as readonly string[]).includes(n)) throw new CliError(`--methods: "${n}" is not one of ${METHOD_NAMES.join(', ')}`);
  if (new Set(names).size !== names.length) throw new CliError('--methods lists a method twice');
  return names as MethodName[];
}

function intFlag(v: string | undefined, name: string, min: number): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v) || Number(v) < min) throw new CliError(`--${name} must be a whole number ≥ ${min}, got "${v}"`);
  return Number(v);
}

export async function sweepCommand(argv: readonly string[]): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        ...settingFlagOptions(),
        cases: { type: 'string' },
        tasks: { type: 'string' },
        out: { type: 'string' },
        resume: { type: 'boolean' },
        'max-steps': { type: 'string' },
        methods: { type: 'string' },
      },
    });
  } catch (e) {
    throw new CliError((e as Error).message.split('\n')[0]!);
  }
  const { values, positionals } = parsed;
  const file = positionals[0];
  if (!file) throw new CliError(`lab sweep needs an experiment file:\n  ${SWEEP_USAGE}`);
  const overrides = settingOverrides(values);
  let tasks: Record<string, number> | undefined;
  if (values.tasks !== undefined) {
    try {
      tasks = parseTaskList(values.tasks);
    } catch (e) {
      throw new CliError(`--tasks: ${(e as Error).message}`);
    }
  }
  const cases = intFlag(values.cases, 'cases', 1);
  const methods = values.methods === undefined ? null : parseMethodList(values.methods);
  const maxSteps = intFlag(values['max-steps'], 'max-steps', 0);

  const { exp, model: modelSpec } = await readExperimentFile(file, overrides);
  const mode = exp.mode;
  const name = basename(file).replace(/\.json$/i, '');
  const outDir = values.out ?? join('.cache', 'sweeps', `${name}-${mode}`);

  const abort = new AbortController();
  const onSigint = () => {
    process.stderr.write('\nstopping: finished steps are saved; rerun with --resume to continue\n');
    abort.abort();
  };
  process.once('SIGINT', onSigint);
  try {
    const cfg = {
      experiment: exp,
      name,
      outDir,
      cases,
      tasks,
      resume: values.resume === true,
      maxSteps,
      model: resolveModel(modelSpec),
      signal: abort.signal,
      log: (line: string) => process.stderr.write(line + '\n'),
      progress: progressLine,
    };
    if (methods) {
      const all = await runMethodsSweep({ ...cfg, methods });
      progressLine('');
      for (const { method, outcome } of all.outcomes) process.stdout.write(`${method}: ${outcome.steps.length} of ${outcome.header.edits.length} steps done${outcome.complete ? '' : ' — rerun with --resume to continue'}\n`);
      process.stdout.write(`wrote ${all.files.jsonl}, ${all.files.csv}, ${all.files.svg} (and each method's sweep in ${outDir}/<method>/)\n`);
      return;
    }
    const out = await runSweep(cfg);
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
