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
  await lab.openExperiment(presetExperiment(preset, plan, records), 'link');
  // A costly preset asks first (as any link): the comparison follows once the user has said yes and the replay is done.
  await settled();
  const after = useLabSession.getState();
  if (preset.compareWith && after.steps.length && !after.pending) await after.compareWith(preset.compareWith);
}

/** Resolves when no confirmation is pending and nothing runs or waits. */
function settled(): Promise<void> {
  const idle = () => {
    const s = useLabSession.getState();
    return !s.pending && !s.op && !s.queue.length;
  };
  if (idle()) return Promise.resolve();
  return new Promise((resolve) => {
    const stop = useLabSession.subscribe(() => {
      if (idle()) {
        stop();
        resolve();
      }
    });
  });
}
