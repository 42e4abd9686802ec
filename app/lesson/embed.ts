// The embed view (?embed=1): only the chart, the current step and its
// button, for an iframe in slides or a course page. Pure logic.
import type { Experiment } from '../../models/experiment.ts';
import { encodeExperiment } from '../share-codec.ts';
import { joinHash } from './hash-params.ts';
import { LESSON_ID } from './lesson-steps.ts';

export function isEmbedView(search: string = typeof location === 'undefined' ? '' : location.search): boolean {
  return new URLSearchParams(search).get('embed') === '1';
}

/** The page's address for the embed view of this step and experiment. */
export function embedUrl(origin: string, pathname: string, step: number, exp: Experiment | null): string {
  return `${origin}${pathname}?embed=1#${joinHash({ lesson: LESSON_ID, step: String(step) }, exp ? encodeExperiment(exp) : null)}`;
}

const escapeAttr = (s: string) => s.replaceAll('&', '&amp;').replaceAll('"', '&quot;').replaceAll('<', '&lt;');

export function embedSnippet(url: string, step: number): string {
  return `<iframe src="${escapeAttr(url)}" width="800" height="450" title="Butterfly Lab: the butterfly effect, step ${step}" style="border:0" loading="lazy" allow="clipboard-write"></iframe>`;
}
