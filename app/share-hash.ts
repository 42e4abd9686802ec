// The share link lives in the page's own URL: rewritten (without a new
// history entry) whenever the experiment or its comparison curves change,
// read once at start. The lesson's keys (lesson/hash-params.ts) ride beside
// the experiment; the curves ride inside its payload (share-codec.ts).
import type { Experiment } from '../models/experiment.ts';
import type { CurveSeries } from './curve.ts';
import { currentLessonParams, joinHash } from './lesson/hash-params.ts';
import { comparisonsField, encodeExperiment } from './share-codec.ts';

export function writeShareHash(exp: Experiment, comparisons: readonly CurveSeries[] = []): void {
  const hash = `#${joinHash(currentLessonParams(), encodeExperiment(exp, comparisonsField(comparisons)))}`;
  if (location.hash !== hash) history.replaceState(history.state, '', hash);
}

export function clearShareHash(): void {
  const lesson = joinHash(currentLessonParams(), null);
  history.replaceState(history.state, '', lesson ? `#${lesson}` : location.pathname + location.search);
}

/** The link to share: the experiment, its comparison curves and any `extra` payload fields (e.g. imported curves). */
export function shareUrl(exp: Experiment, comparisons: readonly CurveSeries[] = [], extra: Record<string, unknown> = {}): string {
  return `${location.origin}${location.pathname}${location.search}#${joinHash(currentLessonParams(), encodeExperiment(exp, { ...extra, ...comparisonsField(comparisons) }))}`;
}
