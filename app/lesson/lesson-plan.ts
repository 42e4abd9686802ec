// Which facts the lesson asks, teaches and breaks on the loaded model: the
// table (LESSON_CONTENT) says what the lesson is about; the model folder's
// facts.json and hard_cases.json (lesson/model-extras.ts) say what this model
// actually knows and which of its edits the miner found collapse-prone. Every
// choice falls back to the table, so the lesson runs on any model. Pure logic.
import type { EditRequest } from '../../models/experiment.ts';
import { LESSON_CONTENT, NOT_MINED, type MinedSetup, type Probe } from './lesson-steps.ts';
import type { HardCase, HardCases } from '../hard-cases.ts';
import type { ModelExtras, ModelFact } from './model-extras.ts';

export interface LessonPlan {
  /** Step 1. */
  known: Probe[];
  /** Step 2: the edit, then the edited prompt and a paraphrase asked again. */
  newFact: EditRequest;
  paraphrase: Probe;
  /** Step 3. */
  neighbour: Probe;
  /** Steps 4-6 and the ROME-vs-C-ROME preset. */
  hard: EditRequest;
  /** The "three hard edits" preset. */
  hardCases: EditRequest[];
  /** Step 7 and the "ten normal edits" preset: edits none of the mined hard cases touch. */
  sequence: EditRequest[];
  /** Subjects of every mined (and tabled) hard case and of the new fact: normal runs leave them out. */
  flagged: string[];
  /** The layer and key statistics the hard cases were mined with (when the page can use them). */
  mined: MinedSetup;
  /** Where the hard edit came from, for the step's text. */
  hardFrom: 'mined' | 'table';
}

const lower = (s: string) => s.trim().toLowerCase();
const request = ({ prompt, subject, target_new, target_true }: EditRequest): EditRequest => ({ prompt, subject, target_new, ...(target_true ? { target_true } : {}) });
const probeOf = (f: ModelFact): Probe => ({ prompt: f.prompt, subject: f.subject, expected: f.target });
const sameFact = (f: ModelFact, subject: string, target: string) => f.subject === subject && lower(f.target) === lower(target);

/**
 * Mined edits in the order the lesson wants them: those where the miner saw
 * ROME collapse and C-ROME hold (steps 4 and 6 tell exactly that story)
 * first, then the rest, each group in the miner's order; entries without
 * their edit are left out.
 */
export function rankHardCases(mined: HardCases | null): EditRequest[] {
  if (!mined) return [];
  const cases = [...mined.byCase.values()].filter((c) => c.request !== null);
  const story = (c: HardCase) => c.ratioRome > mined.collapseFactor && c.ratioCRome <= mined.collapseFactor;
  return [...cases.filter(story), ...cases.filter((c) => !story(c))].map((c) => c.request!);
}

/** A phrasing of the fact (subject filled in) as a probe, when it names the subject once and is not the edited prompt. */
function paraphraseOf(f: ModelFact, edited: EditRequest, expected: string): Probe | null {
  const editedText = edited.prompt.replace('{}', edited.subject);
  for (const text of [...f.heldout, ...f.trained]) {
    if (text === editedText || text.split(f.subject).length !== 2 || text.includes('{}')) continue;
    return { prompt: text.replace(f.subject, '{}'), subject: f.subject, expected };
  }
  return null;
}

/**
 * A fact about another subject whose answer the edit must not change: the
 * table's first neighbour the model knows (asked in the model's own
 * phrasing), else any fact of the same relation, the edited prompt first.
 */
function neighbourOf(facts: readonly ModelFact[], fact: ModelFact | undefined, edited: EditRequest, skip: ReadonlySet<string>): Probe | null {
  const avoid = new Set([lower(edited.target_new), lower(edited.target_true ?? '')]);
  const usable = facts.filter((f) => f.subject !== edited.subject && !skip.has(f.subject) && !avoid.has(lower(f.target)));
  for (const p of LESSON_CONTENT.neighbours) {
    const known = usable.find((f) => sameFact(f, p.subject, p.expected));
    if (known) return probeOf(known);
  }
  const candidates = usable.filter((f) => (fact?.relation ? f.relation === fact.relation : f.prompt === edited.prompt));
  const best = candidates.find((f) => f.prompt === edited.prompt) ?? candidates[0];
  return best ? probeOf(best) : null;
}

/** Up to `n` facts the model was trained on: the table's own where the model knows them, then others from facts.json. */
function knownFacts(facts: readonly ModelFact[], skipSubjects: ReadonlySet<string>, n: number): Probe[] {
  const table = LESSON_CONTENT.known.filter((p) => facts.some((f) => sameFact(f, p.subject, p.expected)));
  const out = [...table];
  for (const f of facts) {
    if (out.length >= n) break;
    if (skipSubjects.has(f.subject) || out.some((p) => p.subject === f.subject) || f.prompt.length > 40) continue;
    out.push(probeOf(f));
  }
  return out.slice(0, n);
}

export function lessonPlan(extras: ModelExtras): LessonPlan {
  const c = LESSON_CONTENT;
  const ranked = rankHardCases(extras.hardCases);
  const mined = ranked.slice(0, c.hardCases.length);
  const hardCases = mined.length ? mined : c.hardCases.map(request);
  const hard = hardCases[0] ?? request(c.hardFallback);
  // Normal edits: none about a subject the miner flagged, or the lesson's own new fact.
  const flagged = new Set([...ranked.map((h) => h.subject), ...c.hardCases.map((h) => h.subject), c.newFact.subject]);
  const sequence = c.sequence.filter((e) => !flagged.has(e.subject)).map(request);

  const newFact = request(c.newFact);
  const fact = extras.facts.find((f) => sameFact(f, newFact.subject, newFact.target_true ?? ''));
  const known = extras.facts.length ? knownFacts(extras.facts, flagged, c.known.length) : c.known;
  return {
    known: known.length ? known : c.known,
    newFact,
    paraphrase: (fact && paraphraseOf(fact, newFact, newFact.target_new)) ?? c.paraphrase,
    neighbour: neighbourOf(extras.facts, fact, newFact, flagged) ?? c.neighbours[0]!,
    hard,
    hardCases,
    sequence,
    flagged: [...flagged],
    mined: extras.hardCases ? { stats: extras.hardCases.stats, layer: extras.hardCases.layer } : NOT_MINED,
    hardFrom: mined.length ? 'mined' : 'table',
  };
}
