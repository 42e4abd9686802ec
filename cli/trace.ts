// `lab trace --model <dir> [--facts <file>] [--cases 50] [--samples 5] [--seed 0] [--out <dir>] [--json]`:
// causal tracing (Meng et al.) averaged over facts the model knows; picks the
// edit layer (largest MLP indirect effect at the subject's last token) and
// writes trace.json and trace.svg.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { causalTrace, embeddingStd, type TraceCase } from '../models/editing/causal-trace.ts';
import { fill, splitTemplate, subjectLastIndex } from '../models/editing/subject-index.ts';
import { loadReferenceGpt2FromDir } from '../models/reference/gpt2-node.ts';
import { loadGpt2TokenizerFromDir } from '../models/tokenizer/tokenizer-node.ts';
import { seededSample } from '../models/util/random.ts';
import { CliError, intFlag, stringFlag, type ParsedArgs } from './args.ts';
import { progressLine } from './progress.ts';
import { traceSvg } from './trace-svg.ts';

export const TRACE_USAGE = `lab trace --model <dir> [--facts <facts.json>] [--cases 50] [--samples 5] [--seed 0] [--out <dir>] [--json]
      causal tracing over facts (default: the model's facts.json, else CounterFact's true facts);
      prints the edit layer, writes trace.json and trace.svg to --out`;

interface TraceFact {
  prompt: string;
  subject: string;
  target: string;
}

/** Facts from a demo model's facts.json ({facts: [{prompt, subject, target}]}) or a CounterFact file. */
export function readTraceFacts(path: string): TraceFact[] {
  const raw = JSON.parse(readFileSync(path, 'utf8')) as unknown;
  if (Array.isArray(raw)) {
    return raw.map((r: { requested_rewrite: { prompt: string; subject: string; target_true: { str: string } } }) => ({
      prompt: r.requested_rewrite.prompt,
      subject: r.requested_rewrite.subject,
      target: r.requested_rewrite.target_true.str,
    }));
  }
  const facts = (raw as { facts?: TraceFact[] }).facts;
  if (!Array.isArray(facts)) throw new CliError(`${path}: expected a CounterFact array or {"facts": [...]}`);
  return facts.map((f) => ({ prompt: f.prompt, subject: f.subject, target: f.target }));
}

export async function traceCommand(args: ParsedArgs): Promise<void> {
  const dir = stringFlag(args, 'model', true);
  if (!existsSync(join(dir, 'config.json'))) throw new CliError(`${dir} is not a model folder (config.json missing); trace runs on local folders`);
  const factsPath = stringFlag(args, 'facts') ?? (existsSync(join(dir, 'facts.json')) ? join(dir, 'facts.json') : 'public/data/counterfact/counterfact_500.json');
  const nCases = intFlag(args, 'cases', 50, 1, 10_000);
  const samples = intFlag(args, 'samples', 5, 1, 100);
  const seed = intFlag(args, 'seed', 0, 0, 2 ** 31 - 1);
  const outDir = stringFlag(args, 'out');

  const tok = loadGpt2TokenizerFromDir();
  const { config, weights } = loadReferenceGpt2FromDir(dir);
  const all = readTraceFacts(factsPath);
  const cases: TraceCase[] = [];
  for (const i of seededSample(all.length, Math.min(nCases, all.length), seed)) {
    const f = all[i]!;
    const ids = tok.encode(fill(f.prompt, f.subject));
    if (ids.length > config.nPositions) continue;
    const subjectEnd = subjectLastIndex(tok, f.prompt, f.subject) + 1;
    const subjectLen = tok.encode(splitTemplate(f.prompt).prefix === '' ? f.subject : ' ' + f.subject.trim()).length;
    cases.push({ ids, subjectStart: subjectEnd - subjectLen, subjectEnd, target: tok.encode(' ' + f.target)[0]! });
  }
  const subjectIds = cases.flatMap((c) => c.ids.slice(c.subjectStart, c.subjectEnd));
  const noiseStd = 3 * embeddingStd(config, weights, subjectIds);
  const t0 = Date.now();
  const summary = causalTrace(config, weights, cases, {
    samples,
    noiseStd,
    seed,
    onProgress: (d, n) => progressLine(`tracing ${d}/${n} facts, ${((Date.now() - t0) / 1000).toFixed(0)} s`),
  });
  progressLine('');
  const result = { model: dir, facts: factsPath, samples, seed, noise_std: noiseStd, ...summary };
  if (outDir) {
    mkdirSync(outDir, { recursive: true });
    writeFileSync(join(outDir, 'trace.json'), JSON.stringify(result, null, 1) + '\n');
    writeFileSync(join(outDir, 'trace.svg'), traceSvg(summary, `Causal trace of ${dir.replace(/\/$/, '').split('/').pop()}`) + '\n');
  }
  if (args.flags.has('json')) process.stdout.write(JSON.stringify(result) + '\n');
  else {
    process.stdout.write(
      `edit layer ${summary.bestLayer} (MLP indirect effect at the last subject token: ${summary.mlp[2]!.map((v) => v.toFixed(3)).join(' ')}); ` +
        `${summary.cases} facts traced, ${summary.skipped} skipped\n`,
    );
  }
}
