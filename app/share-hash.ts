// The share link lives in the page's own URL: rewritten (without a new
// history entry) whenever the experiment changes, read once at start.
import type { Experiment } from '../models/experiment.ts';
import { encodeExperiment } from './share-codec.ts';

export function writeShareHash(exp: Experiment): void {
  const hash = `#${encodeExperiment(exp)}`;
  if (location.hash !== hash) history.replaceState(history.state, '', hash);
}

export function clearShareHash(): void {
  history.replaceState(history.state, '', location.pathname + location.search);
}

export function shareUrl(exp: Experiment): string {
  return `${location.origin}${location.pathname}${location.search}#${encodeExperiment(exp)}`;
}
