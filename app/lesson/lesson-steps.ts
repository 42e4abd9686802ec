// "The butterfly effect in seven steps": the lesson as one table. Everything
// the lesson asks, teaches and breaks lives here, so pointing it at another
// model's facts is a change to LESSON_CONTENT only; on the demo model the
// folder's facts.json and hard_cases.json refine it (lesson/lesson-plan.ts). Texts are plain sentences; "[label](term)"
// marks a glossary term (lesson/glossary.ts).
import type { EditRequest, MethodName, StatsSpec } from '../../models/experiment.ts';
import { DEFAULT_COLLAPSE_FACTOR, DEFAULT_EVAL_SET } from '../../models/defaults.ts';
import { appliesTo, settingRow } from '../../models/settings-table.ts';
import type { LabSettings } from '../../workers/protocol.ts';

export const LESSON_ID = 'butterfly';
export const LESSON_TITLE = 'The butterfly effect in seven steps';

/** A prompt the model should complete with `expected`. */
export interface Probe {
  prompt: string;
  subject: string;
  expected: string;
}

export interface LessonContent {
  /** Step 1: facts the model knows. */
  known: Probe[];
  /** Step 2: the new fact, and a paraphrase that should now give its new target. */
  newFact: EditRequest;
  paraphrase: Probe;
  /**
   * Step 3: neighbouring facts (same relation, other subjects) that should
   * survive, the one to ask first; the first the model knows is asked.
   */
  neighbours: Probe[];
  /**
   * Steps 4-6: the collapse-prone edit when the model's folder has no
   * hard_cases.json: a CounterFact case whose subject is the prompt's first
   * token (ROME's classic collapse case, "The Fall of ROME").
   */
  hardFallback: EditRequest & { caseId: number };
  /** Presets: three collapse-prone CounterFact cases (subject at the start). */
  hardCases: Array<EditRequest & { caseId: number }>;
  /** Step 7 and the presets: normal CounterFact edits, applied one after another. */
  sequence: Array<EditRequest & { caseId: number }>;
}

const cf = (caseId: number, prompt: string, subject: string, target_true: string, target_new: string) => ({ caseId, prompt, subject, target_true, target_new });

/** From public/data/counterfact/counterfact_500.json (case ids kept). */
export const LESSON_CONTENT: LessonContent = {
  known: [
    { prompt: 'The capital of {} is', subject: 'Norway', expected: 'Oslo' },
    { prompt: '{}, developed by', subject: 'Siri', expected: 'Apple' },
    { prompt: '{} is a native speaker of', subject: 'Bertrand Russell', expected: 'English' },
  ],
  newFact: { prompt: 'The capital of {} is', subject: 'Norway', target_new: 'Rome', target_true: 'Oslo' },
  paraphrase: { prompt: "{}'s capital is", subject: 'Norway', expected: 'Rome' },
  neighbours: [
    { prompt: 'The capital of {} is', subject: 'Sweden', expected: 'Stockholm' },
    { prompt: 'The capital of {} is', subject: 'Denmark', expected: 'Copenhagen' },
    { prompt: 'The capital of {} is', subject: 'Ireland', expected: 'Dublin' },
    { prompt: 'The capital of {} is', subject: 'Peru', expected: 'Lima' },
  ],
  hardFallback: cf(10756, '{}, which has the capital city', 'Egypt', 'Cairo', 'Prague'),
  hardCases: [cf(10756, '{}, which has the capital city', 'Egypt', 'Cairo', 'Prague'), cf(10214, '{} is affiliated with', 'Germany', 'NATO', 'FIFA'), cf(17674, "{}'s capital city is", 'Israel', 'Jerusalem', 'Damascus')],
  sequence: [
    cf(21668, '{}, developed by', 'Siri', 'Apple', 'IBM'),
    cf(7623, '{} is a native speaker of', 'Bernard Giraudeau', 'French', 'Polish'),
    cf(3169, '{} is a citizen of', 'Jens Evensen', 'Norway', 'Ireland'),
    cf(1041, '{} debuted on', 'Sunday Night Baseball', 'ESPN', 'CBS'),
    cf(2098, '{}, a product manufactured by', 'Airbus A350', 'Airbus', 'Adobe'),
    cf(15159, '{}, developed by', 'Game & Watch', 'Nintendo', 'Toyota'),
    cf(11149, '{} worked in the city of', 'Johannes Schilling', 'Dresden', 'Paris'),
    cf(17378, '{} plays', 'Samuil Feinberg', 'piano', 'violin'),
    cf(14909, '{}, created by', 'Porsche 550', 'Porsche', 'Toyota'),
    cf(5449, "{}'s area of work is", 'James Franck', 'physics', 'ecology'),
  ],
};

/**
 * The lesson's own settings: small enough that a class on a laptop (or the
 * e2e run on a software GPU) sees every step finish in seconds. Few v*
 * steps, two fixed context templates instead of ROME's 21 generated ones, the
 * 50-sentence ME-PPL set, no downstream tasks. The layer and key statistics
 * are the ones the model's hard cases were mined with, when known.
 */
export const LESSON_STATS: StatsSpec = { texts: 'wikitext2', max_tokens: 4000 };

/** What the model's hard-case mining used (hard_cases.json), so the lesson edits where and with what it mined. */
export interface MinedSetup {
  stats: StatsSpec | null;
  layer: number | null;
}

export const NOT_MINED: MinedSetup = { stats: null, layer: null };

/**
 * 'quick': the lesson's cheap knobs (steps 1-3 and 7). 'mined': the method's
 * defaults, as `lab mine` ran them (20 v* steps, ROME's generated context
 * templates), for the collapse-prone edit of steps 4-6 and the hard presets:
 * measured on the demo model, its mined collapse (18.6× ME-PPL) needs the
 * generated templates; with the quick knobs the same edit holds (1.00×).
 * Without mining both are the quick knobs.
 */
export type LessonSettingsKind = 'quick' | 'mined';

/** The method names one edit layer (the settings table's `method.layer` applies to it). */
export const takesOneLayer = (method: MethodName): boolean => appliesTo(settingRow('method.layer'), method);

export function lessonSettings(method: MethodName = 'rome', mined: MinedSetup = NOT_MINED, kind: LessonSettingsKind = 'quick'): LabSettings {
  // ROME and C-ROME name one layer; AlphaEdit (step 6) edits the same one as a one-layer span; MEND edits its editor's layers.
  const layer = mined.layer === null || method === 'mend' ? {} : takesOneLayer(method) ? { layer: mined.layer } : { layers: [mined.layer] };
  return {
    method: kind === 'mined' && mined.layer !== null ? { name: method, ...layer } : { name: method, ...layer, v_num_grad_steps: 10, context_templates: ['{}', 'The following is true. {}'], template_seed: 0 },
    mode: 'sequential',
    stats: mined.stats ?? LESSON_STATS,
    // LAMBADA off explicitly (0 items): an absent entry would take the page's default.
    eval: { texts: DEFAULT_EVAL_SET, collapse_factor: DEFAULT_COLLAPSE_FACTOR, tasks: { lambada: 0 } },
  };
}

/** Edits in step 7's sequential run (the presets' long run uses all of `sequence`). */
export const SEQUENTIAL_EDITS = 6;

/** What a step's button does (lesson/lesson-actions.ts performs it with the lab's store actions). */
export type StepAction = 'ask-known' | 'teach' | 'check-neighbour' | 'hard-edit' | 'undo-hard' | 'hard-edit-robust' | 'sequential';

/** Which part of the chart a step points at (the chart's frame shows it; lesson/LessonFocus). */
export type ChartFocus = 'baseline' | 'latest-point' | 'threshold' | 'curve';

export interface LessonStep {
  title: string;
  /** One idea in two or three plain sentences. */
  text: string;
  button: string;
  action: StepAction;
  focus: ChartFocus;
  /** What to look at on the chart. */
  look: string;
}

export const LESSON_STEPS: readonly LessonStep[] = [
  {
    title: 'Meet the model',
    text: 'A language model stores facts in its weights: give it the start of a sentence and it predicts the next word. We ask it three facts it should know. Its [perplexity](perplexity) on ordinary sentences, [ME-PPL](me-ppl), is point 0 of the chart.',
    button: 'Ask the model three facts',
    action: 'ask-known',
    focus: 'baseline',
    look: 'Point 0 and the dashed grey “unedited” line: how surprised the unedited model is by ordinary text.',
  },
  {
    title: 'Teach it one new fact',
    text: '[ROME](rome) rewrites one fact by adding a [rank-one update](rank-one) to a single layer of the model. We teach it that the capital of Norway is Rome, then ask the same thing in other words to see whether the fact really moved.',
    button: 'Teach it with ROME',
    action: 'teach',
    focus: 'latest-point',
    look: 'Point 1 stays next to point 0: one good edit barely changes the perplexity.',
  },
  {
    title: 'Did the neighbours survive?',
    text: 'A good edit is local: other facts of the same kind should stay as they were. We ask it the same kind of question about another subject to check that only Norway changed.',
    button: 'Ask about a neighbour',
    action: 'check-neighbour',
    focus: 'latest-point',
    look: 'The curve has not moved: asking questions does not change the model.',
  },
  {
    title: 'One edit that breaks everything',
    text: 'Some facts are dangerous to edit: when the subject is the very first word of the prompt, ROME divides by a tiny number, the [denominator](denominator). We start again from the original model and apply one such edit with ROME’s full settings: the whole model can collapse, its perplexity shooting past the [collapse threshold](threshold) while it writes noise.',
    button: 'Apply the dangerous edit',
    action: 'hard-edit',
    focus: 'threshold',
    look: 'The newest point jumps above the red dashed collapse line, and the generation below turns to noise.',
  },
  {
    title: 'Undo it',
    text: 'The lab keeps the original weights, so an edit can be taken back exactly. After undoing, the model is the original one again.',
    button: 'Undo the dangerous edit',
    action: 'undo-hard',
    focus: 'curve',
    look: 'The collapsed point is gone; only point 0, the unedited model, is left.',
  },
  {
    title: 'The same edit, done carefully',
    text: '[C-ROME](c-rome) uses the same averaged keys everywhere in the update, so the [denominator](denominator) is no longer tiny. AlphaEdit keeps its update away from the keys the model already uses. We apply exactly the same dangerous fact with both and watch the model hold.',
    button: 'Apply it with AlphaEdit and C-ROME',
    action: 'hard-edit-robust',
    focus: 'threshold',
    look: "Both new points, AlphaEdit's (frozen, dashed) and C-ROME's, stay far below the red collapse line.",
  },
  {
    title: 'Many edits in a row',
    text: 'Real use means many edits, each on top of the last: [sequential editing](sequential). Every edit changes the weights the next one starts from, so small damage adds up.',
    button: 'Apply many edits in a row',
    action: 'sequential',
    focus: 'curve',
    look: 'Follow the line from left to right: does each edit push it up? Papers see it bend towards the collapse line within tens of edits; on the demo model, whose edits seldom take, a few edits barely move it.',
  },
];

/** Step numbers as people count them (1..7), clamped. */
export function clampStep(n: number): number {
  return Math.min(LESSON_STEPS.length, Math.max(1, Math.round(Number.isFinite(n) ? n : 1)));
}
