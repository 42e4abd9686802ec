// The share link lives in the page's own URL: rewritten (without a new
// history entry) whenever the experiment changes, read once at start. The
// lesson's keys (lesson/hash-params.ts) ride beside the experiment.
import type { Experiment } from '../models/experiment.ts';
import { currentLessonParams, joinHash } from './lesson/hash-params.ts';
import { encodeExperiment } from './share-codec.ts';

export function writeShareHash(exp: Experiment): void {
  const hash = `#${joinHash(currentLessonParams(), encodeExperiment(exp))}`;
  if (location.hash !== hash) history.replaceState(history.state, '', hash);
}

export function clearShareHash(): void {
  const lesson = joinHash(currentLessonParams(), null);
  history.replaceState(history.state, '', lesson ? `#${lesson}` : location.pathname + location.search);
}

export function shareUrl(exp: Experiment): string {
  return `${location.origin}${location.pathname}${location.search}#${joinHash(currentLessonParams(), encodeExperiment(exp))}`;
}
