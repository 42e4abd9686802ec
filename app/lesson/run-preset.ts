// Open a preset the way a shared link is opened (load if needed, replay its
// edits), then run its comparison beside it.
import { useFacts } from '../store-facts.ts';
import { useLabSession } from '../store-lab.ts';
import { DEMO_LOCATION } from '../model-location.ts';
import { lessonPlan } from './lesson-plan.ts';
import { modelExtras } from './model-extras.ts';
import { presetById, presetExperiment } from './presets.ts';

export async function runPreset(id: string): Promise<void> {
  const preset = presetById(id);
  const lab = useLabSession.getState();
  if (!preset) {
    lab.setLinkError(`“${id.slice(0, 40)}” is not one of the lab's presets.`);
    return;
  }
  let records = null;
  if (preset.needsCounterFact) {
    await useFacts.getState().loadRecords();
    records = useFacts.getState().records;
    if (!records) return; // the facts store shows why
  }
  const plan = lessonPlan(await modelExtras(DEMO_LOCATION));
  const experiment = presetExperiment(preset, plan, records);
  await lab.openExperiment(experiment, 'link');
  // A costly preset asks first (as any link): the comparison follows once the user has said yes and the replay reached the preset's edits.
  if (preset.compareWith && (await replayed(experiment.edits.length))) await useLabSession.getState().compareWith(preset.compareWith);
}

/** Resolves true once the lab holds n edits with nothing pending or running; false when the user declines. */
function replayed(n: number): Promise<boolean> {
  const state = () => {
    const s = useLabSession.getState();
    if (s.pending) return null;
    // Done once the replay's experiment is published (compareWith starts from it).
    if (!s.op && !s.queue.length && s.steps.length === n && !s.held && s.experiment?.edits.length === n) return true;
    return s.op || s.queue.length ? null : undefined; // undefined: idle short of the edits (declined, failed, or between two operations)
  };
  return new Promise((resolve) => {
    let idleSince: ReturnType<typeof setTimeout> | null = null;
    const check = () => {
      const r = state();
      if (idleSince) clearTimeout(idleSince);
      idleSince = null;
      if (r === true) return finish(true);
      // Idle short of the edits: the load and the replay are two operations, so only an idle that lasts means it ended.
      if (r === undefined) idleSince = setTimeout(() => state() === undefined && finish(false), 1000);
    };
    const stop = useLabSession.subscribe(check);
    const finish = (v: boolean) => {
      stop();
      if (idleSince) clearTimeout(idleSince);
      resolve(v);
    };
    check();
  });
}
