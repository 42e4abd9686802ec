// The official SQuAD (v1.1/v2.0) answer normalisation, exact match and token
// F1: lower-case, drop ASCII punctuation (Python's string.punctuation), drop
// the articles a/an/the as whole words, collapse whitespace. With several
// gold answers the best score counts; an unanswerable question's gold is "".
const PUNCTUATION = new Set('!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~');
// Python's \b under re.UNICODE: a word character is a letter, a digit or "_".
const ARTICLES = /(?<![\p{L}\p{N}_])(a|an|the)(?![\p{L}\p{N}_])/gu;

export function normalizeAnswer(s: string): string {
  let t = s.toLowerCase();
  t = Array.from(t)
    .filter((ch) => !PUNCTUATION.has(ch))
    .join('');
  t = t.replace(ARTICLES, ' ');
  return t.split(/\s+/u).filter(Boolean).join(' ');
}

function answerTokens(s: string): string[] {
  return s ? normalizeAnswer(s).split(' ').filter(Boolean) : [];
}

export function exactMatch(gold: string, pred: string): number {
  return normalizeAnswer(gold) === normalizeAnswer(pred) ? 1 : 0;
}

export function tokenF1(gold: string, pred: string): number {
  const g = answerTokens(gold);
  const p = answerTokens(pred);
  // No-answer on either side: 1 if both are no-answer, else 0.
  if (g.length === 0 || p.length === 0) return g.length === p.length ? 1 : 0;
  const counts = new Map<string, number>();
  for (const t of g) counts.set(t, (counts.get(t) ?? 0) + 1);
  let same = 0;
  for (const t of p) {
    const c = counts.get(t) ?? 0;
    if (c > 0) {
      same++;
      counts.set(t, c - 1);
    }
  }
  if (same === 0) return 0;
  const precision = same / p.length;
  const recall = same / g.length;
  return (2 * precision * recall) / (precision + recall);
}

/** Gold answers as the official v2 script keeps them: those that normalise to something, else [""]. */
export function goldAnswers(answers: readonly string[]): string[] {
  const kept = answers.filter((a) => normalizeAnswer(a) !== '');
  return kept.length ? kept : [''];
}

export function bestExactMatch(answers: readonly string[], pred: string): number {
  return Math.max(...goldAnswers(answers).map((a) => exactMatch(a, pred)));
}

export function bestF1(answers: readonly string[], pred: string): number {
  return Math.max(...goldAnswers(answers).map((a) => tokenF1(a, pred)));
}
