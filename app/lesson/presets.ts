// Curated experiments on the demo model, one click each and each a link
// ("#preset=<id>"). An Experiment is built from the lesson's plan (the demo
// model's facts.json and mined hard_cases.json over the lesson's table) and,
// for the long run, the bundled CounterFact subset, then opened the way a
// shared link is.
import type { EditRequest, Experiment, MethodName } from '../../models/experiment.ts';
import type { CounterFactRecord } from '../counterfact.ts';
import { DEMO_MODEL_ID } from '../model-location.ts';
import type { LessonPlan } from './lesson-plan.ts';
import { lessonSettings, type LessonSettingsKind } from './lesson-steps.ts';

export interface Preset {
  id: string;
  title: string;
  description: string;
  method: MethodName;
  mode: 'sequential' | 'single';
  /** After the replay, run the same edits with this method beside it (a frozen comparison). */
  compareWith?: MethodName;
  /** Needs the CounterFact subset (fetched on demand). */
  needsCounterFact?: boolean;
  edits(plan: LessonPlan, records: readonly CounterFactRecord[] | null): EditRequest[];
  /** The lesson's settings of this kind: 'mined' for the hard cases (their collapse needs the miner's settings). */
  settings: LessonSettingsKind;
}

const LONG_RUN = 40;
const NORMAL = 10;

/** A CounterFact case likely to trip ROME: a one-word subject opening the prompt (its first token). */
function likelyAtStart(r: EditRequest): boolean {
  return r.prompt.startsWith('{}') && !/\s/.test(r.subject);
}

export const PRESETS: readonly Preset[] = [
  {
    id: 'ten-normal',
    title: 'Ten normal edits',
    description: 'Ten everyday CounterFact facts with ROME, one after another: the curve rises slowly.',
    method: 'rome',
    mode: 'sequential',
    edits: (plan) => plan.sequence.slice(0, NORMAL),
    settings: 'quick',
  },
  {
    id: 'three-hard',
    title: 'Three hard edits',
    description: 'The three facts the hard-case miner ranked most collapse-prone on the demo model, each applied alone to the original model with ROME.',
    method: 'rome',
    mode: 'single',
    edits: (plan) => plan.hardCases.slice(0, 3),
    settings: 'mined',
  },
  {
    id: 'rome-vs-crome',
    title: 'ROME vs C-ROME on one hard case',
    description: 'The demo model’s most collapse-prone fact with ROME, then the same fact with C-ROME beside it on the chart.',
    method: 'rome',
    mode: 'sequential',
    compareWith: 'c-rome',
    edits: (plan) => [plan.hard],
    settings: 'mined',
  },
  {
    id: 'long-run',
    title: `A long sequential run (${LONG_RUN} edits)`,
    description: `${LONG_RUN} normal CounterFact facts with ROME, one after another: watch the curve bend upwards. Slow on a software GPU.`,
    method: 'rome',
    mode: 'sequential',
    needsCounterFact: true,
    edits: (plan, records) => (records ?? []).map((r) => r.request).filter((r) => !likelyAtStart(r) && !plan.flagged.includes(r.subject)).slice(0, LONG_RUN),
    settings: 'quick',
  },
];

export function presetById(id: string | undefined): Preset | null {
  return PRESETS.find((p) => p.id === id) ?? null;
}

/** The preset as an Experiment on the demo model, with the lesson's settings (at the layer and with the statistics its hard cases were mined with). */
export function presetExperiment(p: Preset, plan: LessonPlan, records: readonly CounterFactRecord[] | null): Experiment {
  const s = lessonSettings(p.method, plan.mined, p.settings);
  return {
    version: 1,
    model: DEMO_MODEL_ID,
    method: s.method,
    stats: s.stats,
    mode: p.mode,
    edits: p.edits(plan, records),
    eval: structuredClone(s.eval),
  };
}
