// `lab score --model <id|dir> --texts <file> [--json]`: perplexity of texts
// on the WebGPU engine; prints the Result's `baseline` shape.
import { readFile } from 'node:fs/promises';
import { parseTextsJson } from '../models/data/texts.ts';
import { perplexityReport, textScore, type PerplexityReport } from '../models/eval/perplexity.ts';
import { nodeGpuContext } from '../models/gpu/node-gpu.ts';
import { loadGpt2 } from '../models/gpt2/load.ts';
import { scoreSequences } from '../models/gpt2/score.ts';
import { loadGpt2TokenizerFromDir } from '../models/tokenizer/tokenizer-node.ts';
import { CliError, stringFlag, type ParsedArgs } from './args.ts';
import { resolveModel } from './model-source.ts';
import { progressLine } from './progress.ts';

export async function scoreCommand(args: ParsedArgs): Promise<void> {
  const modelSpec = stringFlag(args, 'model', true);
  const textsPath = stringFlag(args, 'texts', true);
  let raw: string;
  try {
    raw = await readFile(textsPath, 'utf8');
  } catch {
    throw new CliError(`cannot read ${textsPath}`);
  }
  const input = parseTextsJson(raw, textsPath);
  const ids = input.kind === 'ids' ? input.ids : input.texts.map((t) => loadGpt2TokenizerFromDir().encode(t));

  const ctx = await nodeGpuContext();
  const model = await loadGpt2(ctx, resolveModel(modelSpec), {
    onProgress: (p) => progressLine(`${p.phase} ${p.total ? ((100 * p.loaded) / p.total).toFixed(0) + '%' : ''}`),
  });
  const scores = await scoreSequences(model, ids, { onProgress: (d, n) => progressLine(`scoring ${d}/${n}`) });
  progressLine('');
  const report: PerplexityReport = perplexityReport(scores.map((s, i) => textScore(ids[i]!.length, s.nll)));
  if (args.flags.has('json')) {
    process.stdout.write(JSON.stringify(report) + '\n');
  } else {
    process.stdout.write(`ME-PPL ${report.me_ppl.toPrecision(6)}  corpus perplexity ${report.ppl_corpus.toPrecision(6)}  (${ids.length} texts)\n`);
  }
}
