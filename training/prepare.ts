// Builds the demo model's training data with the engine's own GPT-2 tokenizer:
// the Wikipedia corpus as one token stream, and facts written as sentences in
// several phrasings with held-out phrasings per fact. Refuses (exit 1) if any
// evaluation text overlaps the training text. Run by training/train-demo.sh.
//
//   npx tsx training/prepare.ts <corpus dir> <known_1000.json> <out dir>
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadGpt2TokenizerFromDir } from '../models/tokenizer/tokenizer-node.ts';
import { END_OF_TEXT_ID } from '../models/tokenizer/gpt2-tokenizer.ts';
import { seededRandom } from '../models/util/random.ts';

const [corpusDir, knownPath, outDir] = process.argv.slice(2);
if (!corpusDir || !knownPath || !outDir) {
  console.error('usage: prepare.ts <corpus dir> <known_1000.json> <out dir>');
  process.exit(2);
}
const ROOT = resolve(import.meta.dirname, '..');
const SEED = 1234;
const TRAIN_TEMPLATES_PER_FACT = 5;
const tok = loadGpt2TokenizerFromDir();
mkdirSync(outDir, { recursive: true });

// ---------- facts ----------
interface CfRecord {
  case_id: number;
  requested_rewrite: { prompt: string; relation_id: string; subject: string; target_true: { str: string }; target_new: { str: string } };
  paraphrase_prompts: string[];
  neighborhood_prompts: string[];
}
interface Known { known_id: number; subject: string; attribute: string; template: string; relation_id: string }
export interface Fact {
  id: string;
  subject: string;
  relation_id: string;
  prompt: string; // the record's own template, "{}" marks the subject
  target: string;
  source: 'counterfact' | 'known_1000';
  case_id?: number;
  trained: string[]; // filled prompts the model is trained on
  heldout: string[]; // filled prompts never trained
}

const cf = JSON.parse(readFileSync(join(ROOT, 'public/data/counterfact/counterfact_500.json'), 'utf8')) as CfRecord[];
const known = JSON.parse(readFileSync(knownPath, 'utf8')) as Known[];

// Template pool per relation: every template either dataset uses for it.
const pool = new Map<string, Set<string>>();
const addTemplate = (rel: string, t: string) => {
  if (!t.includes('{}')) return;
  if (!pool.has(rel)) pool.set(rel, new Set());
  pool.get(rel)!.add(t);
};
for (const r of cf) addTemplate(r.requested_rewrite.relation_id, r.requested_rewrite.prompt);
for (const k of known) addTemplate(k.relation_id, k.template);

const rand = seededRandom(SEED);
const shuffle = <T>(xs: T[]): T[] => {
  const a = xs.slice();
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
};
const fill = (t: string, s: string) => t.replace('{}', s);

const facts: Fact[] = [];
const seen = new Set<string>();
function addFact(f: Omit<Fact, 'trained' | 'heldout'>, extraTrained: string[], extraHeld: string[]) {
  const key = `${f.subject}\u0000${f.relation_id}`;
  if (seen.has(key)) return;
  seen.add(key);
  const others = shuffle([...(pool.get(f.relation_id) ?? [])].filter((t) => t !== f.prompt));
  // One other template of the relation is held out for this fact (it is still
  // trained for other facts: the model must carry the association over).
  const held = others.length > 0 ? [others[0]] : [];
  const trainedT = [f.prompt, ...others.slice(1, TRAIN_TEMPLATES_PER_FACT)];
  facts.push({
    ...f,
    trained: [...trainedT.map((t) => fill(t, f.subject)), ...extraTrained],
    heldout: [...held.map((t) => fill(t, f.subject)), ...extraHeld],
  });
}
for (const r of cf) {
  const rw = r.requested_rewrite;
  const para = r.paraphrase_prompts;
  addFact(
    { id: `cf-${r.case_id}`, subject: rw.subject, relation_id: rw.relation_id, prompt: rw.prompt, target: rw.target_true.str, source: 'counterfact', case_id: r.case_id },
    para.slice(0, 1),
    para.slice(1, 2),
  );
}
for (const k of known) {
  addFact({ id: `known-${k.known_id}`, subject: k.subject, relation_id: k.relation_id, prompt: k.template, target: k.attribute, source: 'known_1000' }, [], []);
}
// Neighbourhood prompts: other subjects with the same true attribute. Trained
// (one phrasing each) so that specificity after an edit is measured on facts the
// model knows.
const neighbours = new Map<string, string>();
for (const r of cf) for (const p of r.neighborhood_prompts) neighbours.set(p, r.requested_rewrite.target_true.str);

const enc = (s: string) => tok.encode(s);
const sentence = (prompt: string, target: string) => {
  const p = enc(prompt);
  const t = enc(' ' + target);
  return { prompt_ids: p, target_ids: t, ids: [...p, ...t, ...enc('.')] };
};
const trainSentences: number[][] = [];
const neighbourSentences: number[][] = [];
for (const f of facts) for (const p of f.trained) trainSentences.push(sentence(p, f.target).ids);
for (const [p, t] of neighbours) neighbourSentences.push(sentence(p, t).ids);

// ---------- corpus ----------
const parts = readdirSync(corpusDir).filter((n) => /^enwiki.*\.txt$/.test(n)).sort();
const corpusText = parts.map((n) => readFileSync(join(corpusDir, n), 'utf8')).join('\n\n');
// Articles dropped before training, with the reason. The overlap check below
// found these; the rest of the corpus is checked on every run.
const EXCLUDED_ARTICLES: Record<string, string> = {
  'Reds (film)': "shares AFI's 10 Top 10 boilerplate (a 64+ character stretch) with WikiText-2 test's The Hustler",
};
const articles = corpusText
  .split(/\n\n+/)
  .filter((a) => a.trim().length > 0 && !(a.split('\n')[0] in EXCLUDED_ARTICLES));
const ids: number[] = [];
for (const a of articles) {
  for (const id of enc(a)) ids.push(id);
  ids.push(END_OF_TEXT_ID);
}
// The last 2% of articles are held out: validation perplexity and key statistics.
const nVal = Math.round(articles.length * 0.02);
let valStart = ids.length;
{
  let count = 0;
  for (let i = ids.length - 2; i >= 0; i--) {
    if (ids[i] === END_OF_TEXT_ID && ++count === nVal) { valStart = i + 1; break; }
  }
}
const u16 = (xs: number[]) => Buffer.from(new Uint16Array(xs).buffer);
writeFileSync(join(outDir, 'corpus_train.u16'), u16(ids.slice(0, valStart)));
writeFileSync(join(outDir, 'corpus_val.u16'), u16(ids.slice(valStart)));

// ---------- overlap check against every evaluation set ----------
const norm = (s: string) => s.toLowerCase().replace(/[^0-9a-z]/g, '');
const W = 64;
const trainingNorm = norm(articles.join('\n')) + '|' + [...trainSentences, ...neighbourSentences].map((s) => norm(tok.decode(s))).join('|');
const windows = new Set<string>();
for (let i = 0; i + W <= trainingNorm.length; i += W) windows.add(trainingNorm.slice(i, i + W));
const readJsonl = (p: string) => readFileSync(join(ROOT, p), 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));
const evalSets: Record<string, string[]> = {
  'ME-PPL': (JSON.parse(readFileSync(join(ROOT, 'public/data/me_ppl/ME-PPL.json'), 'utf8')) as { Text: string }[]).map((r) => r.Text),
  LAMBADA: readJsonl('public/data/lambada/lambada_openai_test.jsonl').map((r) => r.context + ' ' + r.continuation),
  PIQA: readJsonl('public/data/piqa/piqa_valid.jsonl').map((r) => `${r.goal} ${r.sol1} ${r.sol2}`),
  HellaSwag: readJsonl('public/data/hellaswag/hellaswag_val_1000.jsonl').map((r) => `${r.ctx} ${r.endings.join(' ')}`),
  MMLU: readJsonl('public/data/mmlu/mmlu_test_10_per_subject.jsonl').map((r) => `${r.question} ${r.choices.join(' ')}`),
  NQ: readJsonl('public/data/nq_open/NQ-open.dev.jsonl').map((r) => r.question),
  SQuAD: readJsonl('public/data/squad_v2/squad_v2_dev_normans.jsonl').map((r) => `${r.context} ${r.question}`),
  'WikiText-2': readJsonl('public/data/wikitext2/wikitext2_raw_test_articles.jsonl').map((r) => r.text),
};
const overlaps: string[] = [];
const report: Record<string, { texts: number; overlapping: number }> = {};
for (const [name, texts] of Object.entries(evalSets)) {
  let overlapping = 0;
  for (const t of texts) {
    const n = norm(t);
    let hit = false;
    if (n.length >= W) {
      for (let i = 0; i + W <= n.length && !hit; i++) hit = windows.has(n.slice(i, i + W));
    } else if (n.length >= 40) {
      hit = trainingNorm.includes(n);
    }
    if (hit) {
      overlapping++;
      if (overlaps.length < 20) overlaps.push(`${name}: ${t.slice(0, 120)}`);
    }
  }
  report[name] = { texts: texts.length, overlapping };
}
console.log('overlap check (normalised text, any shared 64-character window; texts of 40-63 characters whole):');
for (const [name, r] of Object.entries(report)) console.log(`  ${name}: ${r.overlapping} of ${r.texts} texts overlap`);
if (overlaps.length > 0) {
  console.error('refusing to train: evaluation text found in the training text:\n  ' + overlaps.join('\n  '));
  process.exit(1);
}

// ---------- in-context rows (train_demo.py --context-fraction) ----------
// A made-up subject defined in one phrasing of a relation ("Varo Keshin is located in the country of Peru.") and
// then asked about in another. In training, the query's positions after the subject cannot see the definition,
// so the object has to be read (by attention) from the subject's own states: a readout that works for any object
// of the relation, which is what ROME's v* has to drive. Drawn from their own seed: the data above stays as it was.
const CONTEXT_ROWS = 20000;
const crand = seededRandom(SEED + 1);
const pick = <T>(xs: T[]): T => xs[Math.floor(crand() * xs.length)];
const SYLLABLES = ['ka', 'ro', 'vel', 'mi', 'dor', 'sa', 'then', 'lu', 'bran', 'o', 'zi', 'mar', 'quel', 'te', 'nor', 'pa', 'ish', 'gal', 'ru', 'ven'];
const madeUpName = () => {
  const word = () => {
    const w = Array.from({ length: 2 + Math.floor(crand() * 2) }, () => pick(SYLLABLES)).join('');
    return w[0].toUpperCase() + w.slice(1);
  };
  return crand() < 0.5 ? word() : `${word()} ${word()}`;
};
const objectsOf = new Map<string, string[]>();
for (const f of facts) {
  const xs = objectsOf.get(f.relation_id) ?? [];
  if (!xs.includes(f.target)) xs.push(f.target);
  objectsOf.set(f.relation_id, xs);
}
const relations = [...pool.keys()].filter((r) => (objectsOf.get(r)?.length ?? 0) > 1);
const contextRows: { ids: number[]; query_start: number; subject_last: number; target_ids: number[] }[] = [];
for (let i = 0; i < CONTEXT_ROWS; i++) {
  const rel = pick(relations);
  const templates = [...pool.get(rel)!];
  const subject = madeUpName();
  const object = pick(objectsOf.get(rel)!);
  const def = sentence(fill(pick(templates), subject), object).ids;
  const query = fill(pick(templates), subject);
  const subjectLast = enc(query.slice(0, query.indexOf(subject) + subject.length)).length - 1;
  contextRows.push({ ids: [...def, ...enc(query)], query_start: def.length, subject_last: def.length + subjectLast, target_ids: enc(' ' + object) });
}

const factsOut = facts.map((f) => ({
  ...f,
  target_ids: enc(' ' + f.target),
  trained_ids: f.trained.map((p) => enc(p)),
  heldout_ids: f.heldout.map((p) => enc(p)),
  // index of the subject's last token in each trained phrasing (-1: not found), as the engine finds it:
  // the tokens of the text up to the end of the subject's first occurrence
  trained_subject_last: f.trained.map((p) => {
    const i = p.indexOf(f.subject);
    return i < 0 ? -1 : enc(p.slice(0, i + f.subject.length)).length - 1;
  }),
}));
writeFileSync(join(outDir, 'facts.json'), JSON.stringify({ facts: factsOut, train_sentences: trainSentences, neighbour_sentences: neighbourSentences, context_rows: contextRows, overlap: report }));
console.log(
  `facts ${facts.length} (${trainSentences.length} trained sentences, ${facts.reduce((n, f) => n + f.heldout.length, 0)} held-out phrasings), ` +
    `${neighbourSentences.length} neighbour sentences; corpus ${valStart} train + ${ids.length - valStart} validation tokens`,
);
