// Curated experiments, one click each and each a link ("#preset=<id>"). An
// Experiment is built from the lesson's table (and, for the long run, the
// bundled CounterFact subset), then opened the way a shared link is.
import type { EditRequest, Experiment, MethodName } from '../../models/experiment.ts';
import type { CounterFactRecord } from '../counterfact.ts';
import { DEMO_MODEL_ID } from '../model-location.ts';
import { LESSON_CONTENT, lessonSettings } from './lesson-steps.ts';

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
  edits(records: readonly CounterFactRecord[] | null): EditRequest[];
}

const strip = ({ caseId: _id, ...r }: EditRequest & { caseId: number }): EditRequest => r;
const LONG_RUN = 40;

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
    edits: () => LESSON_CONTENT.sequence.slice(0, 10).map(strip),
  },
  {
    id: 'three-hard',
    title: 'Three hard edits',
    description: 'Three collapse-prone facts (the subject is the prompt’s first token), each applied alone to the original model with ROME.',
    method: 'rome',
    mode: 'single',
    edits: () => LESSON_CONTENT.hardCases.map(strip),
  },
  {
    id: 'rome-vs-crome',
    title: 'ROME vs C-ROME on one hard case',
    description: 'The same collapse-prone fact with ROME (it collapses), then with C-ROME beside it (it holds).',
    method: 'rome',
    mode: 'sequential',
    compareWith: 'c-rome',
    edits: () => [strip(LESSON_CONTENT.hardFallback)],
  },
  {
    id: 'long-run',
    title: `A long sequential run (${LONG_RUN} edits)`,
    description: `${LONG_RUN} normal CounterFact facts with ROME, one after another: watch the curve bend upwards. Slow on a software GPU.`,
    method: 'rome',
    mode: 'sequential',
    needsCounterFact: true,
    edits: (records) => (records ?? []).map((r) => r.request).filter((r) => !likelyAtStart(r)).slice(0, LONG_RUN),
  },
];

export function presetById(id: string | undefined): Preset | null {
  return PRESETS.find((p) => p.id === id) ?? null;
}

/** The preset as an Experiment on `model` (the loaded model's id, or the demo's). */
export function presetExperiment(p: Preset, model: string | null, records: readonly CounterFactRecord[] | null): Experiment {
  const s = lessonSettings(p.method);
  return {
    version: 1,
    model: model ?? DEMO_MODEL_ID,
    method: s.method,
    stats: s.stats,
    mode: p.mode,
    edits: p.edits(records),
    eval: { texts: s.plan.texts, collapse_factor: s.plan.collapseFactor ?? 10, tasks: s.plan.tasks ?? {} },
  };
}
