// Measures the demo model with the project's own engine (WebGPU through Dawn):
// top-1 recall of each fact's first target token on its trained and held-out
// phrasings, ME-PPL_50, WikiText-2 perplexity (the first N test articles) and
// greedy continuations of ten plain prompts. Writes one JSON for the model card.
//
//   npx tsx training/evaluate-demo.ts <model dir> <facts with ids: training/work/facts.json> <out.json> [wikitext articles=3]
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseJsonlTexts } from '../models/data/datasets.ts';
import { perplexityReport, textScore } from '../models/eval/perplexity.ts';
import { nodeGpuContext } from '../models/gpu/node-gpu.ts';
import { generate } from '../models/gpt2/generate.ts';
import { loadGpt2 } from '../models/gpt2/load.ts';
import { dirModelFiles } from '../models/gpt2/load-node.ts';
import { scoreSequences } from '../models/gpt2/score.ts';
import { loadGpt2TokenizerFromDir } from '../models/tokenizer/tokenizer-node.ts';

const [dir, factsPath, outPath, nArticlesArg] = process.argv.slice(2);
if (!dir || !factsPath || !outPath) {
  console.error('usage: evaluate-demo.ts <model dir> <training/work/facts.json> <out.json> [wikitext articles]');
  process.exit(2);
}
const ROOT = join(import.meta.dirname, '..');
const tok = loadGpt2TokenizerFromDir();
const ctx = await nodeGpuContext();
const model = await loadGpt2(ctx, dirModelFiles(dir));

interface Fact { id: string; source: string; target_ids: number[]; trained_ids: number[][]; heldout_ids: number[][] }
const facts = (JSON.parse(readFileSync(factsPath, 'utf8')) as { facts: Fact[] }).facts;

/** Per prompt: is the top-1 next token the target's first token? Each prompt is scored once. */
async function hits(rows: { ids: number[]; target: number }[]): Promise<boolean[]> {
  const scores = await scoreSequences(model, rows.map((r) => [...r.ids, r.target]), {
    lastOnly: true,
    onProgress: (d, n) => process.stderr.write(`\rrecall ${d}/${n}   `),
  });
  return scores.map((s, i) => s.argmax[rows[i]!.ids.length - 1] === rows[i]!.target);
}
type Which = 'trained_ids' | 'heldout_ids';
const rowsOf = (which: Which) => facts.flatMap((f) => f[which].map((ids) => ({ ids, target: f.target_ids[0]!, source: f.source })));
const share = (h: boolean[], keep: boolean[]) => {
  const n = keep.filter(Boolean).length;
  return h.filter((x, i) => x && keep[i]).length / Math.max(1, n);
};

const t0 = Date.now();
const result: Record<string, unknown> = {};
const trainedRows = rowsOf('trained_ids');
const heldRows = rowsOf('heldout_ids');
const trainedHits = await hits(trainedRows);
const heldHits = await hits(heldRows);
const all = (rows: { source: string }[]) => rows.map(() => true);
const from = (rows: { source: string }[], src: string) => rows.map((r) => r.source === src);
result.recall = {
  trained: share(trainedHits, all(trainedRows)),
  heldout: share(heldHits, all(heldRows)),
  trained_counterfact: share(trainedHits, from(trainedRows, 'counterfact')),
  heldout_counterfact: share(heldHits, from(heldRows, 'counterfact')),
  trained_known: share(trainedHits, from(trainedRows, 'known_1000')),
  heldout_known: share(heldHits, from(heldRows, 'known_1000')),
  prompts: { trained: trainedRows.length, heldout: heldRows.length },
};
process.stderr.write(`\nrecall done in ${((Date.now() - t0) / 1000).toFixed(0)} s\n`);

const mePplTexts = (JSON.parse(readFileSync(join(ROOT, 'public/data/me_ppl/ME-PPL_50.json'), 'utf8')) as { Text: string }[]).map((r) => r.Text);
const mePplIds = mePplTexts.map((t) => tok.encode(t));
const me = perplexityReport((await scoreSequences(model, mePplIds)).map((s, i) => textScore(mePplIds[i]!.length, s.nll)));
result.me_ppl_50 = { me_ppl: me.me_ppl, ppl_corpus: me.ppl_corpus };

const nArticles = Number(nArticlesArg ?? 3);
const articles = parseJsonlTexts(readFileSync(join(ROOT, 'public/data/wikitext2/wikitext2_raw_test_articles.jsonl'), 'utf8'), 'wikitext2').slice(0, nArticles);
const wikiIds = articles.map((t) => tok.encode(t));
const wiki = perplexityReport((await scoreSequences(model, wikiIds)).map((s, i) => textScore(wikiIds[i]!.length, s.nll)));
result.wikitext2 = { articles: nArticles, tokens: wikiIds.reduce((n, s) => n + s.length, 0), ppl_corpus: wiki.ppl_corpus };

const PROMPTS = [
  'The capital of France is',
  'Paris is the capital of',
  'The Eiffel Tower is located in',
  'In 1492, Columbus',
  'The mother tongue of Barack Obama is',
  'Toyota Corolla is produced by',
  'The river Nile flows through',
  'Water is made of',
  'The first World War began in',
  'Albert Einstein was born in',
];
const gens = await generate(model, PROMPTS.map((p) => tok.encode(p)), { maxNewTokens: 16 });
result.continuations = PROMPTS.map((p, i) => ({ prompt: p, continuation: tok.decode(gens[i]!) }));
result.seconds = (Date.now() - t0) / 1000;
writeFileSync(outPath, JSON.stringify(result, null, 1) + '\n');
console.log(JSON.stringify(result, null, 1));
process.exit(0);
