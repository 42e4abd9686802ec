// `lab mine --model <dir> [--cases 20] [--candidates 500] [--layer L] [--stats <npz>] [--out <dir>] [--json]`:
// hard-case mining, which none of the paper's tools does for a user. Every
// CounterFact request the model knows (its top-1 after the prompt is the true
// target's first token) is pre-screened by ROME's two collapse predictors —
// the subject's last token is the prompt's first, and the update's
// denominator k_u·C⁻¹k*/‖C⁻¹k*‖ is small — then the most suspicious ones get a
// real single ROME edit and are ranked by ME-PPL after it; C-ROME edits the
// same facts for comparison. Writes hard_cases.json (and prints a table).
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { COUNTERFACT_PATHS } from '../models/data/datasets.ts';
import { counterFactEdit, parseCounterFact } from '../models/data/counterfact.ts';
import { prepareRequest } from '../models/editing/prepared.ts';
import { DEFAULT_COLLAPSE_FACTOR, DEFAULT_EVAL_SET } from '../models/defaults.ts';
import type { EditRequest, ExperimentSettings, MethodName, StatsSpec } from '../models/experiment.ts';
import { nodeGpuContext } from '../models/gpu/node-gpu.ts';
import { DEFAULT_STATS, Lab } from '../models/lab.ts';
import { intFlag, stringFlag, type ParsedArgs } from './args.ts';
import { resolveModel } from './model-source.ts';
import { nodeLabEnv } from './node-env.ts';
import { progressLine } from './progress.ts';

export const MINE_USAGE = `lab mine --model <dir> [--cases 20] [--candidates 500] [--layer L] [--stats <npz>] [--first-token-only] [--out <dir>] [--json]
      ranks the model's CounterFact facts by ME-PPL after one ROME edit (pre-screened by
      subject-at-first-token and the update's denominator); C-ROME on the same facts; writes hard_cases.json.
      --first-token-only screens only the facts whose subject ends at the prompt's first token (a tokenisation, no GPU)`;

export interface MinedCase {
  case_id: number;
  prompt: string;
  subject: string;
  target_new: string;
  target_true: string;
  subject_at_start: boolean;
  denominator: number | null;
  me_ppl_rome: number;
  ratio_rome: number;
  collapsed_rome: boolean;
  me_ppl_c_rome: number;
  ratio_c_rome: number;
}

export interface MineResult {
  version: 1;
  model: string;
  layer: number;
  stats: StatsSpec;
  baseline_me_ppl: number;
  collapse_factor: number;
  eval: string;
  screened: number;
  known: number;
  cases: MinedCase[];
}

export async function mineCommand(args: ParsedArgs): Promise<void> {
  const dir = stringFlag(args, 'model', true);
  const nCases = intFlag(args, 'cases', 20, 1, 500);
  const nCandidates = intFlag(args, 'candidates', 500, 1, 100_000);
  const env = nodeLabEnv();
  const lab = new Lab(await nodeGpuContext(), env);
  const summary = await lab.loadModel(resolveModel(dir), { onProgress: () => progressLine('loading the model') });
  const layerFlag = stringFlag(args, 'layer');
  const layer = layerFlag === undefined ? undefined : intFlag(args, "layer", 0, 0, summary.nLayer - 1);
  const statsFlag = stringFlag(args, 'stats');
  const shipped = layer !== undefined && join(dir, 'stats', `layer${layer}_mom2.npz`);
  const stats: StatsSpec = statsFlag ? { npz: statsFlag } : shipped && existsSync(shipped) ? { npz: shipped } : DEFAULT_STATS;
  // Single mode: every edit is scored on the unedited model. Preparing the
  // statistics and templates now lets the preview report the denominator.
  const settings = (name: MethodName): ExperimentSettings => ({
    method: { name, ...(layer !== undefined ? { layer } : {}) },
    mode: 'single',
    stats,
    eval: { texts: DEFAULT_EVAL_SET, tasks: {}, collapse_factor: DEFAULT_COLLAPSE_FACTOR, seed: 0 },
  });
  const { baseline: base } = await lab.configure(settings('rome'), { prepare: true, onProgress: (p) => progressLine(`baseline, statistics and templates: ${p.stage}`) });
  const tok = await env.tokenizer();

  // Screen: which facts the model knows, and ROME's two predictors.
  let records = parseCounterFact(await env.readAsset(COUNTERFACT_PATHS['counterfact-500']!), 'counterfact_500.json').slice(0, nCandidates);
  // ROME's strongest predictor costs only a tokenisation: screen those facts alone when asked (a quick look at another layer).
  if (args.flags.has('first-token-only')) records = records.filter((r) => prepareRequest(tok, counterFactEdit(r)).prompt.index === 0);
  const screened: { rec: (typeof records)[number]; req: EditRequest; atStart: boolean; denominator: number | null }[] = [];
  for (const [i, rec] of records.entries()) {
    const req = counterFactEdit(rec);
    const p = await lab.previewFact(req);
    progressLine(`screening ${i + 1}/${records.length}`);
    const trueFirst = tok.decode([tok.encode(' ' + rec.requested_rewrite.target_true.str)[0]!]);
    if (p.topPrediction.token !== trueFirst && !args.flags.has('include-unknown')) continue;
    screened.push({ rec, req, atStart: p.subjectAtStart, denominator: p.denominator });
  }
  // Most suspicious first: subject at the first token, then the smallest |denominator|.
  screened.sort((a, b) => Number(b.atStart) - Number(a.atStart) || Math.abs(a.denominator ?? Infinity) - Math.abs(b.denominator ?? Infinity));
  const chosen = screened.slice(0, nCases);

  const runAll = async (name: MethodName) => {
    await lab.configure(settings(name), { prepare: true });
    const out: { me: number; collapsed: boolean }[] = [];
    for (const [i, c] of chosen.entries()) {
      try {
        const s = await lab.applyEdit(c.req, { onProgress: (p) => progressLine(`${name} ${i + 1}/${chosen.length}: ${p.stage}`) });
        out.push({ me: s.metrics.me_ppl, collapsed: s.metrics.collapsed });
      } catch (e) {
        // A non-finite update is the strongest collapse there is.
        out.push({ me: Infinity, collapsed: true });
        progressLine(`${name} ${i + 1}: ${(e as Error).message}`);
      }
      lab.reset();
    }
    return out;
  };
  const rome = await runAll('rome');
  const crome = await runAll('c-rome');
  progressLine('');
  const b = base.me_ppl;
  const cases: MinedCase[] = chosen.map((c, i) => ({
    case_id: c.rec.case_id,
    prompt: c.req.prompt,
    subject: c.req.subject,
    target_new: c.req.target_new,
    target_true: c.req.target_true ?? '',
    subject_at_start: c.atStart,
    denominator: c.denominator,
    me_ppl_rome: rome[i]!.me,
    ratio_rome: rome[i]!.me / b,
    collapsed_rome: rome[i]!.collapsed,
    me_ppl_c_rome: crome[i]!.me,
    ratio_c_rome: crome[i]!.me / b,
  }));
  cases.sort((x, y) => y.ratio_rome - x.ratio_rome);
  const result: MineResult = {
    version: 1,
    model: dir,
    layer: layer ?? summary.defaultLayer,
    stats,
    baseline_me_ppl: b,
    collapse_factor: DEFAULT_COLLAPSE_FACTOR,
    eval: DEFAULT_EVAL_SET,
    screened: records.length,
    known: screened.length,
    cases,
  };
  const outDir = stringFlag(args, 'out');
  if (outDir) {
    mkdirSync(outDir, { recursive: true });
    writeFileSync(join(outDir, 'hard_cases.json'), JSON.stringify(result, null, 1) + '\n');
  }
  if (args.flags.has('json')) process.stdout.write(JSON.stringify(result) + '\n');
  else {
    process.stdout.write(`baseline ME-PPL ${b.toPrecision(4)}; ${screened.length} of ${records.length} facts known; ROME then C-ROME on the ${cases.length} most suspicious:\n`);
    for (const c of cases) {
      process.stdout.write(
        `  ${String(c.case_id).padStart(6)}  ${c.ratio_rome.toPrecision(3).padStart(9)}×  C-ROME ${c.ratio_c_rome.toPrecision(3).padStart(7)}×  ${c.subject_at_start ? 'first-token ' : '            '}denominator ${c.denominator?.toPrecision(3) ?? '—'}  ${c.prompt.replace('{}', c.subject)} → ${c.target_new}\n`,
      );
    }
  }
}
