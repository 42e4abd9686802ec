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
  // Opened as any link (a costly one asks first); the comparison follows once the replay reached the preset's edits.
  await lab.openExperiment(presetExperiment(preset, plan, records), 'link', [], preset.compareWith);
}
