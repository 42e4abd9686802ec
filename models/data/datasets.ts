// The datasets the lab ships (public/data, each with SOURCE.md and its
// licence), by id. Paths are relative to the app's root (public/).
export const TEXT_DATASETS: Record<string, { path: string; label: string }> = {
  'me-ppl-50': { path: 'data/me_ppl/ME-PPL_50.json', label: 'ME-PPL 50 sentences' },
  'me-ppl-1k': { path: 'data/me_ppl/ME-PPL_1k.json', label: 'ME-PPL 1,000 sentences' },
  'me-ppl-10k': { path: 'data/me_ppl/ME-PPL.json', label: 'ME-PPL 10,000 sentences' },
};

export const STATS_CORPORA: Record<string, { path: string; label: string }> = {
  wikitext2: { path: 'data/wikitext2/wikitext2_raw_test_articles.jsonl', label: 'WikiText-2 (test articles)' },
};

export const COUNTERFACT_PATHS: Record<string, string> = {
  'counterfact-100': 'data/counterfact/counterfact_100.json',
  'counterfact-500': 'data/counterfact/counterfact_500.json',
};

/** Text of a JSONL corpus of {"text": ...} records, one string per record. */
export function parseJsonlTexts(text: string, name: string): string[] {
  const out: string[] = [];
  text.split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch {
      throw new Error(`${name}: line ${i + 1} is not valid JSON`);
    }
    const t = (v as { text?: unknown }).text;
    if (typeof t !== 'string') throw new Error(`${name}: line ${i + 1} has no "text" string`);
    out.push(t);
  });
  return out;
}
