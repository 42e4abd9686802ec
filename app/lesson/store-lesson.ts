// The lesson's state: which step is shown, whether the lesson (and its
// presentation view) is open, what each step's button found. The step and
// the view live in the URL hash beside the experiment, so a teacher's link
// lands the class on the same step.
import { create } from 'zustand';
import { currentLessonParams, writeLessonParams } from './hash-params.ts';
import { clampStep, LESSON_ID, LESSON_STEPS } from './lesson-steps.ts';

/** One question put to the model and its greedy answer (the most likely next token). */
export interface AnswerLine {
  question: string;
  answer: string;
  prob: number;
  expected: string;
  /** The answer is the start of the expected word. */
  matches: boolean;
}

export interface StepResult {
  answers: AnswerLine[];
  /** Measured numbers in words ("ME-PPL 312 → 48,000 (154×)"). */
  summary?: string;
  /** A short greedy generation before and after the step's edit. */
  generation?: { prompt: string; before: string; after: string };
}

export interface LessonState {
  open: boolean;
  step: number;
  present: boolean;
  running: boolean;
  results: Record<number, StepResult>;
  error: string | null;
  /** The comparison curve step 6 froze (its AlphaEdit run); removed when another step runs. */
  frozenCurve: string | null;
  openLesson(step?: number): void;
  closeLesson(): void;
  goTo(step: number): void;
  setPresent(on: boolean): void;
  setRunning(running: boolean): void;
  setResult(step: number, result: StepResult): void;
  setError(message: string | null): void;
  setFrozenCurve(id: string | null): void;
}

function fromUrl(): Pick<LessonState, 'open' | 'step' | 'present'> {
  const p = currentLessonParams();
  const open = p.lesson === LESSON_ID;
  return { open, step: open ? clampStep(Number(p.step ?? 1)) : 1, present: open && p.present === '1' };
}

function toUrl(s: Pick<LessonState, 'open' | 'step' | 'present'>): void {
  const { preset } = currentLessonParams();
  writeLessonParams(s.open ? { lesson: LESSON_ID, step: String(s.step), ...(s.present ? { present: '1' } : {}), ...(preset ? { preset } : {}) } : preset ? { preset } : {});
}

export const useLesson = create<LessonState>()((set, get) => ({
  ...fromUrl(),
  running: false,
  results: {},
  error: null,
  frozenCurve: null,

  openLesson(step) {
    set({ open: true, step: clampStep(step ?? get().step) });
    toUrl(get());
  },
  closeLesson() {
    set({ open: false, present: false });
    toUrl(get());
  },
  goTo(step) {
    set({ step: clampStep(step), error: null });
    toUrl(get());
  },
  setPresent(present) {
    set({ present, open: present || get().open });
    toUrl(get());
  },
  setRunning: (running) => set({ running }),
  setResult: (step, result) => set({ results: { ...get().results, [step]: result } }),
  setError: (error) => set({ error }),
  setFrozenCurve: (frozenCurve) => set({ frozenCurve }),
}));

export const STEP_COUNT = LESSON_STEPS.length;
