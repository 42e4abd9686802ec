// The share link lives in the page's own URL: rewritten (without a new
// history entry) whenever the experiment or its comparison curves change,
// read once at start.
import type { Experiment } from '../models/experiment.ts';
import type { CurveSeries } from './curve.ts';
import { encodeExperiment } from './share-codec.ts';

export function writeShareHash(exp: Experiment, comparisons: readonly CurveSeries[] = []): void {
  const hash = `#${encodeExperiment(exp, comparisons)}`;
  if (location.hash !== hash) history.replaceState(history.state, '', hash);
}

export function clearShareHash(): void {
  history.replaceState(history.state, '', location.pathname + location.search);
}

export function shareUrl(exp: Experiment, comparisons: readonly CurveSeries[] = []): string {
  return `${location.origin}${location.pathname}${location.search}#${encodeExperiment(exp, comparisons)}`;
}
