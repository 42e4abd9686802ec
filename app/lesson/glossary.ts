// The lesson's words, each in at most three sentences, in the terms of the
// paper ("The Butterfly Effect of Model Editing", arXiv 2402.09656) and the
// ROME/C-ROME papers it builds on. Lesson texts link to these by id.

export interface GlossaryEntry {
  term: string;
  text: string;
}

export const GLOSSARY: Record<string, GlossaryEntry> = {
  perplexity: {
    term: 'Perplexity',
    text: 'How surprised a language model is by a text: the exponential of its average negative log-probability per token. Low means the text looks natural to the model; a model that writes noise has a huge perplexity on ordinary text.',
  },
  'me-ppl': {
    term: 'ME-PPL',
    text: 'The paper’s collapse measure: the model’s perplexity on a fixed set of everyday sentences, averaged over the sentences. It is cheap to compute after every edit, and when it jumps the model’s abilities on real tasks fall with it.',
  },
  rome: {
    term: 'ROME',
    text: 'Rank-One Model Editing: it finds the MLP layer where a fact is stored and changes that layer’s weights so the subject’s key vector maps to a new value that produces the new answer. One fact, one layer, one small update.',
  },
  'rank-one': {
    term: 'Rank-one update',
    text: 'ROME adds ΔW = u vᵀ to the layer’s weight matrix: an outer product of two vectors, so the change has rank one. It changes what one direction of inputs (the subject’s key) maps to and, ideally, little else.',
  },
  'key-stats': {
    term: 'Key statistics',
    text: 'The covariance C of the layer’s input vectors (keys), measured over ordinary text such as Wikipedia. ROME uses C⁻¹ to aim its update at the edited subject while disturbing typical inputs as little as possible.',
  },
  denominator: {
    term: 'Denominator',
    text: 'ROME divides its update by kᵀC⁻¹k̄, a number measuring how the subject’s key lines up with the keys it was fitted on. When the subject is the first token of the prompt its key is unusual, this number is tiny, and the update explodes.',
  },
  threshold: {
    term: 'Collapse threshold',
    text: 'The lab calls a model collapsed when its ME-PPL exceeds a set multiple (10× by default) of the unedited model’s, or becomes infinite. The red dashed line on the chart marks it.',
  },
  'c-rome': {
    term: 'C-ROME',
    text: 'Consistent ROME: it uses the same template-averaged key in the update’s direction and in its denominator (and the averaged output in its target), instead of mixing them with the bare prompt’s key. That removes the tiny denominator, so single edits no longer make the model collapse.',
  },
  sequential: {
    term: 'Sequential vs single editing',
    text: 'Single editing applies each edit to the original model and measures it alone. Sequential editing applies edits one after another, each to the already edited model, the way a model would be kept up to date; damage then accumulates, and the paper shows it can end in collapse.',
  },
};

export const GLOSSARY_ORDER = ['me-ppl', 'perplexity', 'rome', 'rank-one', 'key-stats', 'denominator', 'threshold', 'c-rome', 'sequential'] as const;

/** "text [label](id) text" → text and term pieces (unknown ids stay plain text). */
export function splitTerms(text: string): Array<string | { label: string; id: string }> {
  const out: Array<string | { label: string; id: string }> = [];
  const re = /\[([^\]]+)\]\(([\w-]+)\)/g;
  let last = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (m.index > last) out.push(text.slice(last, m.index));
    out.push(GLOSSARY[m[2]!] ? { label: m[1]!, id: m[2]! } : m[1]!);
    last = m.index + m[0].length;
  }
  if (last < text.length) out.push(text.slice(last));
  return out;
}

/** The text without its glossary markup. */
export function plainText(text: string): string {
  return splitTerms(text).map((p) => (typeof p === 'string' ? p : p.label)).join('');
}
