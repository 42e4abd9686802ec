// What each lesson button does, with the lab's own store actions (load,
// settings, queueEdit, undo, reset, probeFacts): the lesson drives the same
// lab the user sees, so the chart, the history and the share link follow.
// Each step first brings the lab to the state the step starts from, so a step
// opened from a link (or pressed twice) does the same thing.
import type { EditRequest, MethodName } from '../../models/experiment.ts';
import type { FactPreview } from '../../models/lab-types.ts';
import type { LabSettings } from '../../workers/protocol.ts';
import { formatPpl } from '../format.ts';
import { useLabSession } from '../store-lab.ts';
import { DEMO_LOCATION } from '../model-location.ts';
import { lessonPlan } from './lesson-plan.ts';
import { LESSON_STEPS, lessonSettings, SEQUENTIAL_EDITS, takesOneLayer, type LessonSettingsKind, type MinedSetup, type Probe } from './lesson-steps.ts';
import { modelExtras } from './model-extras.ts';
import { useLesson, type AnswerLine, type StepResult } from './store-lesson.ts';

const lab = () => useLabSession.getState();

class LessonError extends Error {}

/** Resolves when the lab runs nothing and waits for nothing, and `done` holds (or an error or a cancellation ends it). */
function settle(done: () => boolean): Promise<void> {
  return new Promise((resolve, reject) => {
    const check = (): boolean => {
      const s = lab();
      if (s.op || s.queue.length) return false;
      if (s.error) reject(new LessonError(s.error.message));
      else if (s.notice && /cancelled/.test(s.notice)) reject(new LessonError(s.notice));
      else if (done()) resolve();
      else return false;
      return true;
    };
    if (check()) return;
    const stop = useLabSession.subscribe(() => {
      if (check()) stop();
    });
  });
}

const sameRequest = (a: EditRequest, b: EditRequest) => a.prompt === b.prompt && a.subject === b.subject && a.target_new === b.target_new;

/** The tasks scored after each edit (0 items = not scored). */
const scoredTasks = (tasks: Record<string, number> | undefined) => Object.entries(tasks ?? {}).filter(([, n]) => n > 0).sort();

/** The settings are the lesson's of this kind (any method; the layer is the model's). */
function isLessonSettings(s: LabSettings, mined: MinedSetup, kind: LessonSettingsKind): boolean {
  const l = lessonSettings(s.method.name, mined, kind);
  return (
    (l.method.layer === undefined || s.method.layer === l.method.layer) &&
    (l.method.layers === undefined || JSON.stringify(s.method.layers) === JSON.stringify(l.method.layers)) &&
    s.mode === l.mode &&
    s.method.v_num_grad_steps === l.method.v_num_grad_steps &&
    JSON.stringify(s.method.context_templates) === JSON.stringify(l.method.context_templates) &&
    s.method.template_seed === l.method.template_seed &&
    JSON.stringify(s.stats) === JSON.stringify(l.stats) &&
    JSON.stringify(s.eval.texts) === JSON.stringify(l.eval.texts) &&
    JSON.stringify(scoredTasks(s.eval.tasks)) === JSON.stringify(scoredTasks(l.eval.tasks))
  );
}

function settingsFor(method: MethodName, mined: MinedSetup, kind: LessonSettingsKind): LabSettings {
  const s = lessonSettings(method, mined, kind);
  const layer = lab().settings.method.layer;
  if (takesOneLayer(method) && s.method.layer === undefined && lab().model && layer !== undefined) s.method.layer = layer;
  return s;
}

async function ensureModel(): Promise<void> {
  await settle(() => true);
  if (lab().model) return;
  await lab().applySettings(lessonSettings('rome')); // no model yet: kept for the load
  if (!(await lab().loadModel(lab().location ?? DEMO_LOCATION))) throw new LessonError(lab().error?.message ?? 'The model could not be loaded.');
}

/** Bring the lab to exactly these edits under this method and the lesson's settings of this kind (at the mined layer, with its statistics). */
async function reach(edits: EditRequest[], method: MethodName, mined: MinedSetup, kind: LessonSettingsKind): Promise<void> {
  await ensureModel();
  const s = lab();
  const current = s.steps.map((st) => st.request);
  const prefix = current.length <= edits.length && current.every((r, i) => sameRequest(r, edits[i]!));
  if (!prefix || s.settings.method.name !== method || !isLessonSettings(s.settings, mined, kind)) {
    if (current.length) await lab().reset();
    if (s.settings.method.name !== method || !isLessonSettings(lab().settings, mined, kind)) await lab().applySettings(settingsFor(method, mined, kind));
    await settle(() => true);
  }
  const rest = edits.slice(lab().steps.length);
  if (!rest.length) return;
  lab().dismissError();
  lab().dismissNotice();
  const target = lab().steps.length + rest.length;
  for (const r of rest) lab().queueEdit(r);
  await settle(() => lab().steps.length >= target);
}

const toRequest = (p: Probe): EditRequest => ({ prompt: p.prompt, subject: p.subject, target_new: p.expected });

function answerLine(p: Probe, preview: FactPreview): AnswerLine {
  const answer = preview.topPrediction.token;
  const a = answer.trim().toLowerCase();
  return { question: p.prompt.replace('{}', p.subject), answer, prob: preview.topPrediction.prob, expected: p.expected, matches: a.length > 0 && p.expected.toLowerCase().startsWith(a) };
}

async function ask(probes: Probe[]): Promise<AnswerLine[]> {
  const previews = await lab().probeFacts(probes.map(toRequest));
  return probes.map((p, i) => answerLine(p, previews[i]!));
}

/** ME-PPL before the last edit → after it, in words. */
function lastEditSummary(method: string): Pick<StepResult, 'summary' | 'generation'> {
  const { steps, baseline } = lab();
  const last = steps[steps.length - 1];
  if (!last || !baseline) return {};
  const prev = steps.length > 1 ? steps[steps.length - 2]!.metrics.me_ppl : baseline.me_ppl;
  const ratio = last.metrics.me_ppl / prev;
  const verdict = last.metrics.collapsed ? 'the model collapsed' : 'the model held';
  return {
    summary: `${method}: ME-PPL ${formatPpl(prev)} → ${formatPpl(last.metrics.me_ppl)} (${Number.isFinite(ratio) ? `${ratio.toFixed(ratio < 10 ? 2 : 0)}×` : '∞'}): ${verdict}.`,
    generation: { prompt: last.request.prompt.replace('{}', last.request.subject), before: last.before.generation, after: last.after.generation },
  };
}

async function perform(step: number): Promise<StepResult> {
  // The loaded model's folder decides which facts (the demo model's facts.json and hard_cases.json).
  await ensureModel();
  const plan = lessonPlan(await modelExtras(lab().location));
  // Steps 4-6 edit the original model with the settings the hard case was mined with (lessonSettings).
  const go = (edits: EditRequest[], method: MethodName, kind: LessonSettingsKind = 'quick') => reach(edits, method, plan.mined, kind);
  const { newFact, hard } = plan;
  // Step 6's frozen AlphaEdit curve belongs to step 6 only.
  const frozen = useLesson.getState().frozenCurve;
  if (frozen && LESSON_STEPS[step - 1]!.action !== 'hard-edit-robust') {
    if (lab().comparisons.some((c) => c.id === frozen)) lab().removeComparison(frozen);
    useLesson.getState().setFrozenCurve(null);
  }
  switch (LESSON_STEPS[step - 1]!.action) {
    case 'ask-known':
      await go([], 'rome');
      return { answers: await ask(plan.known) };
    case 'teach': {
      await go([newFact], 'rome');
      const answers = await ask([{ prompt: newFact.prompt, subject: newFact.subject, expected: newFact.target_new }, plan.paraphrase]);
      return { answers, ...lastEditSummary('ROME') };
    }
    case 'check-neighbour':
      await go([newFact], 'rome');
      return { answers: await ask([plan.neighbour]) };
    case 'hard-edit': {
      await go([hard], 'rome', 'mined');
      const r = lastEditSummary('ROME');
      const source = plan.hardFrom === 'mined' ? 'The hard-case miner flagged this fact on this model.' : 'A classic collapse case for GPT-2.';
      return { answers: [], ...r, ...(r.summary ? { summary: `${r.summary} ${source}` } : {}) };
    }
    case 'undo-hard': {
      const s = lab();
      const last = s.steps[s.steps.length - 1];
      if (last && sameRequest(last.request, hard) && s.settings.method.name === 'rome') {
        await lab().undo(s.steps.length - 1);
        await settle(() => true);
      } else await go([], 'rome', 'mined');
      const now = lab().steps[lab().steps.length - 1]?.metrics.me_ppl ?? lab().baseline?.me_ppl;
      return { answers: [], summary: `Undone: ${lab().steps.length} edit${lab().steps.length === 1 ? '' : 's'} left, ME-PPL back to ${now === undefined ? '—' : formatPpl(now)}.` };
    }
    case 'hard-edit-robust': {
      // AlphaEdit first, kept on the chart as a frozen curve; C-ROME stays the live one, as the other steps' ROME.
      await go([hard], 'alphaedit', 'mined');
      const alpha = lastEditSummary('AlphaEdit');
      useLesson.getState().setFrozenCurve(lab().freezeCurve());
      await go([hard], 'c-rome', 'mined');
      const robust = lastEditSummary('C-ROME');
      return { answers: [], ...robust, summary: [robust.summary, alpha.summary].filter(Boolean).join(' ') };
    }
    case 'sequential': {
      await go(plan.sequence.slice(0, SEQUENTIAL_EDITS), 'rome');
      const { steps, baseline } = lab();
      const end = steps[steps.length - 1]?.metrics.me_ppl;
      const peak = Math.max(...steps.map((s) => s.metrics.me_ppl));
      return {
        answers: [],
        summary: baseline && end !== undefined ? `${steps.length} edits in a row: ME-PPL ${formatPpl(baseline.me_ppl)} → ${formatPpl(end)} (highest ${formatPpl(peak)}).` : undefined,
      };
    }
  }
}

/** Perform the lesson's current step (one at a time). */
export async function performStep(step = useLesson.getState().step): Promise<void> {
  const lesson = useLesson.getState();
  if (lesson.running) return;
  lesson.setRunning(true);
  lesson.setError(null);
  try {
    lesson.setResult(step, await perform(step));
  } catch (e) {
    useLesson.getState().setError(e instanceof Error ? e.message : String(e));
  } finally {
    useLesson.getState().setRunning(false);
  }
}
