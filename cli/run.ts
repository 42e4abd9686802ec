// `lab run <experiment.json> [--json] [--dump] [--save <dir>] [--counters] [--<setting> <value> ...]`: replay an
// Experiment (the share URL's schema) on the WebGPU engine and print the
// Result (shared/spec/experiment.md): the baseline and one entry per edit.
// --counters (debug): the engine's work per stage (dispatches, read-backs,
// buffers created, uploads) as one JSON line on stderr.
import { nodeGpuContext } from '../models/gpu/node-gpu.ts';
import { StageCounters } from '../models/gpu/stage-counters.ts';
import { serializeGpt2 } from '../models/gpt2/save.ts';
import { Lab } from '../models/lab.ts';
import type { EditStep, EvalPoint } from '../models/lab-types.ts';
import { CliError, stringFlag, type ParsedArgs } from './args.ts';
import { resolveModel } from './model-source.ts';
import { nodeLabEnv } from './node-env.ts';
import { progressLine } from './progress.ts';
import { settingOverrides } from './setting-flags.ts';
import { readExperimentFile } from './experiment-file.ts';
import { writeModelDir } from './save-model.ts';

export async function runCommand(args: ParsedArgs): Promise<void> {
  const file = args.positionals[0];
  if (!file) throw new CliError('lab run needs an experiment file: lab run <experiment.json> [--json] [--dump] [--save <dir>] [--counters] [--<setting> <value> ...]');
  // Any settings-table row as a flag overrides the file (e.g. --method memit --batch-size 4), checked as the file is.
  const { exp, model } = await readExperimentFile(file, settingOverrides(Object.fromEntries(args.flags)));
  const save = stringFlag(args, 'save');

  const ctx = await nodeGpuContext();
  // Off unless asked for: the hot path pays nothing for counting by default.
  const counters = args.flags.has('counters') ? new StageCounters(() => ctx.snapshotCounters()) : null;
  if (counters) ctx.countWork();
  const lab = new Lab(ctx, nodeLabEnv());
  await lab.loadModel(resolveModel(model), { onProgress: (p) => progressLine(`load ${pct(p.fraction)}`) });
  lab.setDump(args.flags.has('dump'));
  const steps = await lab.replay(exp, {
    onProgress: (p) => {
      counters?.enter(p.stage);
      progressLine(`${p.stage} ${pct(p.fraction)} ${p.detail ?? ''}`);
    },
  });
  counters?.enter('baseline');
  const baseline = await lab.baseline();
  progressLine('');
  if (counters) process.stderr.write(JSON.stringify({ counters: counters.finish() }) + '\n');
  if (save) {
    await writeModelDir(save, await serializeGpt2(lab.currentModel(), { butterfly_lab_experiment: JSON.stringify(lab.experiment()) }));
  }
  const result = { baseline: baselineOf(baseline), steps: steps.map(stepOf) };
  if (args.flags.has('json')) process.stdout.write(JSON.stringify(result) + '\n');
  else {
    process.stdout.write(`baseline ME-PPL ${baseline.me_ppl.toPrecision(6)}\n`);
    for (const s of steps) {
      const more = s.requests && s.requests.length > 1 ? ` (+${s.requests.length - 1} in the batch)` : '';
      process.stdout.write(`edit ${s.edit + 1}: ${s.request.subject} → ${s.request.target_new}${more}  ME-PPL ${s.metrics.me_ppl.toPrecision(6)}${s.metrics.collapsed ? '  COLLAPSED' : ''}\n`);
    }
  }
}

function pct(f: number | null): string {
  return f === null ? '' : `${Math.round(100 * f)}%`;
}

function baselineOf(p: EvalPoint) {
  return { me_ppl: p.me_ppl, ppl_corpus: p.ppl_corpus, per_text: p.perplexity?.per_text ?? [] };
}

function stepOf(s: EditStep) {
  return {
    edit: s.edit,
    ...(s.requests ? { requests: s.requests } : {}),
    diagnostics: s.diagnostics,
    metrics: { me_ppl: s.metrics.me_ppl, ppl_corpus: s.metrics.ppl_corpus, ...s.metrics.tasks },
    collapsed: s.metrics.collapsed,
    ...(s.dump ? { dump: { k_star: s.dump.k_star, u: s.dump.u, v_star: s.dump.v_star, right: s.dump.right } } : {}),
  };
}
