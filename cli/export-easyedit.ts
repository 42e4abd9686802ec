// `lab export easyedit <experiment.json> --out <dir> [--shards N] [--arch gpt2|gptj|llama]
//   [--n-layer N] [--counterfact N]`: the Experiment as a folder EasyEdit runs
// on a GPU node — hparams.yaml (the method's hyper-parameter class, field by
// field), requests.json (EasyEdit's request format), the ME-PPL texts and task
// subsets, run.py (edits with EasyEdit, scores ME-PPL after every edit, writes
// the lab's Result lines) and a sample Slurm script. What has no EasyEdit
// counterpart is printed as a warning and written into hparams.yaml's header.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { COUNTERFACT_PATHS, TEXT_DATASETS } from '../models/data/datasets.ts';
import { counterFactEdit, parseCounterFact } from '../models/data/counterfact.ts';
import { parseTextsJson } from '../models/data/texts.ts';
import { hellaswagQuestion } from '../models/eval/hellaswag.ts';
import { mmluQuestion } from '../models/eval/mmlu.ts';
import { piqaQuestion } from '../models/eval/piqa.ts';
import { TASKS } from '../models/eval/tasks.ts';
import { ExperimentError, parseExperiment, type EditRequest, type Experiment } from '../models/experiment.ts';
import { DEFAULT_COLLAPSE_FACTOR } from '../models/defaults.ts';
import { appliesTo, settingRow } from '../models/settings-table.ts';
import { seededSample } from '../models/util/random.ts';
import type { LambadaItem } from '../models/data/lambada.ts';
import type { PiqaItem } from '../models/data/piqa.ts';
import type { HellaSwagItem } from '../models/data/hellaswag.ts';
import type { MmluItem } from '../models/data/mmlu.ts';
import { CliError, stringFlag, type ParsedArgs } from './args.ts';
import { ARCHITECTURES, type ArchId } from './easyedit/architectures.ts';
import { ExportError, toEasyEditHparams } from './easyedit/hparams.ts';
import { yamlDocument } from './easyedit/yaml.ts';
import { nodeLabEnv, PUBLIC_DIR } from './node-env.ts';

export const EXPORT_USAGE = `lab export easyedit <experiment.json> --out <dir> [--shards N] [--arch gpt2|gptj|llama] [--n-layer N] [--counterfact N]
      EasyEdit hparams.yaml, requests, ME-PPL texts, task subsets, run.py and a Slurm script (docs/easyedit.md)`;

const TEMPLATES = join(dirname(fileURLToPath(import.meta.url)), 'easyedit');

/** One task item as run.py scores it: the choices as continuations of the context (greedy: the one target). */
export interface ExportTaskItem {
  kind: 'choice' | 'greedy';
  context: string;
  choices: string[];
  label: number;
}

const TASK_FORMATS: Record<string, (item: unknown) => ExportTaskItem> = {
  lambada: (it) => ({ kind: 'greedy', context: (it as LambadaItem).context, choices: [(it as LambadaItem).continuation], label: 0 }),
  piqa: (it) => ({ kind: 'choice', ...piqaQuestion(it as PiqaItem) }),
  hellaswag: (it) => ({ kind: 'choice', ...hellaswagQuestion(it as HellaSwagItem) }),
  mmlu: (it) => ({ kind: 'choice', ...mmluQuestion(it as MmluItem) }),
};

export interface ExportOptions {
  shards?: number;
  arch?: ArchId;
  nLayer?: number;
  editLayer?: number;
  counterfact?: number;
}

export interface ExportBundle {
  /** Relative path → contents. */
  files: Map<string, string>;
  warnings: string[];
  alg_name: string;
}

/** Everything the folder will hold, computed before anything is written. */
export async function buildEasyEditExport(raw: unknown, opts: ExportOptions = {}): Promise<ExportBundle> {
  let exp: Experiment;
  try {
    exp = parseExperiment(raw);
  } catch (e) {
    if (e instanceof ExperimentError) throw new CliError(e.message);
    throw e;
  }
  const env = nodeLabEnv({ statsStore: null });
  let edits: EditRequest[] = exp.edits;
  if (opts.counterfact !== undefined) {
    if (edits.length) throw new CliError(`--counterfact: the experiment already has ${edits.length} edits`);
    const records = parseCounterFact(await env.readAsset(COUNTERFACT_PATHS['counterfact-500']!), 'counterfact_500.json');
    edits = records.slice(0, opts.counterfact).map(counterFactEdit);
  }
  if (!edits.length) throw new CliError('the experiment has no edits: add some, or take the first N CounterFact cases with --counterfact N');
  exp = { ...exp, edits };

  let hp;
  try {
    hp = toEasyEditHparams(exp, { arch: opts.arch, nLayer: opts.nLayer, editLayer: opts.editLayer });
  } catch (e) {
    if (e instanceof ExportError) throw new CliError(e.message);
    throw e;
  }
  const warnings = [...hp.warnings];

  // The ME-PPL texts: literal, or a shipped dataset by id.
  const textsSpec = exp.eval?.texts ?? 'me-ppl-50';
  let texts: string[];
  if (typeof textsSpec === 'string') {
    const ds = TEXT_DATASETS[textsSpec];
    if (!ds) throw new CliError(`eval.texts "${textsSpec}" is not a dataset of the lab (${Object.keys(TEXT_DATASETS).join(', ')})`);
    const parsed = parseTextsJson(await env.readAsset(ds.path), ds.path);
    if (parsed.kind !== 'texts') throw new CliError(`${ds.path} holds token ids, not texts`);
    texts = parsed.texts;
  } else texts = textsSpec;

  // Task subsets: the lab's seeded subsample (eval.seed), pre-formatted as the lab scores them.
  const seed = exp.eval?.seed ?? (settingRow('eval.seed').default({ method: exp.method.name, nLayer: hp.nLayer }) as number);
  const taskFiles: string[] = [];
  const taskSizes: Record<string, number> = {};
  const files = new Map<string, string>();
  for (const [id, size] of Object.entries(exp.eval?.tasks ?? {})) {
    const def = (TASKS as Record<string, (typeof TASKS)[keyof typeof TASKS]>)[id];
    const format = TASK_FORMATS[id];
    if (!def || !format) {
      warnings.push(`eval.tasks.${id}: ${def ? 'a generation task; run.py scores only likelihood tasks (lambada, piqa, hellaswag, mmlu)' : 'not a task of the lab'}; not scored`);
      continue;
    }
    const all = (await def.load(env.readAsset)) as unknown[];
    const items = seededSample(all.length, size, seed).map((i) => format(all[i]));
    files.set(`tasks/${id}.jsonl`, items.map((x) => JSON.stringify(x)).join('\n') + '\n');
    taskFiles.push(id);
    taskSizes[id] = items.length;
  }

  const mode = exp.mode;
  const shards = opts.shards ?? 1;
  if (mode === 'sequential' && shards > 1) warnings.push(`--shards ${shards}: the experiment is sequential, which cannot be split over jobs; the Slurm script runs it as one task (use mode "single" for a sharded sweep)`);
  const jobs = mode === 'sequential' ? 1 : shards;
  // Requests per editor call: the method's batch_size where it has one (the table says which do).
  const batch = appliesTo(settingRow('method.batch_size'), exp.method.name) ? (hp.fields.batch_size as number) : 1;

  files.set('hparams.yaml', yamlDocument(hp.fields, [
    `EasyEdit ${hp.hparams_class} (alg_name ${hp.alg_name}); fields as in docs/easyedit.md.`,
    ...hp.notes,
    ...warnings.map((w) => `Warning: ${w}`),
  ]));
  files.set('experiment.json', JSON.stringify(exp, null, 2) + '\n');
  files.set('requests.json', JSON.stringify(edits.map(easyEditRequest), null, 2) + '\n');
  files.set('me_ppl.json', JSON.stringify(texts) + '\n');
  files.set('run_config.json', JSON.stringify({
    alg_name: hp.alg_name,
    hparams_class: hp.hparams_class,
    collapse_factor: exp.eval?.collapse_factor ?? DEFAULT_COLLAPSE_FACTOR,
    batch_size: batch,
    seed,
    task_files: taskFiles,
    task_sizes: taskSizes,
  }, null, 2) + '\n');
  files.set('run.py', readFileSync(join(TEMPLATES, 'run.py'), 'utf8'));
  files.set('slurm.sh', readFileSync(join(TEMPLATES, 'slurm.sh'), 'utf8').replaceAll('__SHARDS__', String(jobs)).replaceAll('__LAST__', String(jobs - 1)).replaceAll('__MODE__', mode));
  return { files, warnings, alg_name: hp.alg_name };
}

/** EasyEdit's request: the prompt with the subject filled in (EasyEdit puts the "{}" back itself). */
export function easyEditRequest(e: EditRequest) {
  return { prompt: e.prompt.replace('{}', e.subject), subject: e.subject, target_new: e.target_new, ground_truth: e.target_true ?? '<|endoftext|>' };
}

function intFlag(args: ParsedArgs, name: string, min: number): number | undefined {
  const v = stringFlag(args, name);
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v) || Number(v) < min) throw new CliError(`--${name} must be a whole number ≥ ${min}, got "${v}"`);
  return Number(v);
}

export async function exportCommand(args: ParsedArgs): Promise<void> {
  const [target, file] = args.positionals;
  if (target !== 'easyedit' || !file) throw new CliError(`usage: ${EXPORT_USAGE}`);
  const out = stringFlag(args, 'out', true);
  const arch = stringFlag(args, 'arch');
  if (arch !== undefined && !(arch in ARCHITECTURES)) throw new CliError(`--arch must be one of ${Object.keys(ARCHITECTURES).join(', ')}, got "${arch}"`);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new CliError(`cannot read ${file}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new CliError(`${file} is not valid JSON: ${(e as Error).message}`);
  }
  const local = localModelConfig(raw, file);
  const bundle = await buildEasyEditExport(raw, {
    shards: intFlag(args, 'shards', 1),
    arch: (arch as ArchId | undefined) ?? local?.arch,
    nLayer: intFlag(args, 'n-layer', 1) ?? local?.nLayer,
    editLayer: local?.editLayer,
    counterfact: intFlag(args, 'counterfact', 1),
  });
  for (const w of bundle.warnings) process.stderr.write(`warning: ${w}\n`);
  writeBundle(out, bundle);
  process.stdout.write(`wrote ${[...bundle.files.keys()].join(', ')} to ${out} (EasyEdit ${bundle.alg_name})\n` +
    `on the GPU node: cd ${out} && python run.py   (or sbatch slurm.sh; then lab import steps*.jsonl)\n`);
}

export function writeBundle(out: string, bundle: ExportBundle): void {
  for (const [rel, contents] of bundle.files) {
    const path = resolve(out, rel);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, contents, rel.endsWith('.py') || rel.endsWith('.sh') ? { mode: 0o755 } : {});
  }
}

const MODEL_TYPES: Record<string, ArchId> = { gpt2: 'gpt2', gptj: 'gptj', llama: 'llama', mistral: 'llama', qwen2: 'llama' };

/** A local model folder's family and depth from its config.json (as given, beside the experiment, or in public/). */
export function localModelConfig(raw: unknown, experimentFile: string): { arch?: ArchId; nLayer?: number; editLayer?: number } | null {
  const model = (raw as { model?: unknown } | null)?.model;
  if (typeof model !== 'string') return null;
  const dirs = [model, resolve(dirname(experimentFile), model), ...(model.startsWith('public/') ? [resolve(PUBLIC_DIR, model.slice('public/'.length))] : [])];
  const dir = dirs.find((d) => existsSync(join(d, 'config.json')));
  if (!dir) return null;
  try {
    const c = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as Record<string, unknown>;
    const n = c.n_layer ?? c.num_hidden_layers;
    // The lab's own key: the edit layer causal tracing picked (parseGpt2Config checks it when the model loads).
    const edit = (c.butterfly_lab as { edit_layer?: unknown } | undefined)?.edit_layer;
    return {
      arch: typeof c.model_type === 'string' ? MODEL_TYPES[c.model_type] : undefined,
      nLayer: Number.isInteger(n) ? (n as number) : undefined,
      ...(Number.isInteger(edit) && (edit as number) >= 0 && (!Number.isInteger(n) || (edit as number) < (n as number)) ? { editLayer: edit as number } : {}),
    };
  } catch {
    return null;
  }
}
