// The requests training/rome_probe.py edits, tokenised here (Python has no GPT-2 tokenizer on this machine):
//   npx tsx training/rome-probe-requests.ts [N] > training/work/probe-requests.json
// The first N CounterFact requests, each in ten fixed context templates (ROME's k* and v* prompts; the lab
// generates its own with the model), with the subject's last-token index (rome.md step 2), the essence prompt,
// paraphrases and neighbourhood prompts; and the first 10 ME-PPL_50 texts the single-edit sweeps score.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadGpt2TokenizerFromDir } from '../models/tokenizer/tokenizer-node.ts';

const ROOT = join(import.meta.dirname, '..');
const tok = loadGpt2TokenizerFromDir();
const n = Number(process.argv[2] ?? 15);
const TEMPLATES = ['{}', 'The following is true. {}', 'In the news today, {}', 'Therefore, {}', 'It is known that {}',
  'Yesterday I read that {}', 'According to the book, {}', 'She said: {}', 'Here is a fact. {}', 'As everyone knows, {}'];

/** ids of template(prompt(subject)) and the index of the subject's last token. */
function place(template: string, prompt: string, subject: string): { ids: number[]; last: number } {
  const text = template.replace('{}', prompt);
  return { ids: tok.encode(text.replace('{}', subject)), last: tok.encode(text.slice(0, text.indexOf('{}')) + subject).length - 1 };
}

const records = JSON.parse(readFileSync(join(ROOT, 'public/data/counterfact/counterfact_500.json'), 'utf8'));
const reqs = records.slice(0, n).map((r: any) => {
  const rw = r.requested_rewrite;
  return {
    case_id: r.case_id, prompt: rw.prompt, subject: rw.subject, target_new_str: rw.target_new.str,
    target_new: tok.encode(' ' + rw.target_new.str), target_true: tok.encode(' ' + rw.target_true.str),
    ctx: TEMPLATES.map((t) => place(t, rw.prompt, rw.subject)),
    essence: place('{}', '{} is a', rw.subject),
    paraphrases: r.paraphrase_prompts.map((p: string) => tok.encode(p)),
    neighbours: r.neighborhood_prompts.map((p: string) => tok.encode(p)),
  };
});
const texts = JSON.parse(readFileSync(join(ROOT, 'training/results/rome-single.json'), 'utf8')).eval.texts.map((t: string) => tok.encode(t));
process.stdout.write(JSON.stringify({ templates: TEMPLATES, reqs, texts }) + '\n');
