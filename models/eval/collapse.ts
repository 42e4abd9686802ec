// Collapse detection (evaluation.md "Collapse"): ME-PPL above a multiple of
// the unedited model's, or any score NaN/Inf.
import { DEFAULT_COLLAPSE_FACTOR } from '../defaults.ts';

export interface CollapseVerdict {
  collapsed: boolean;
  reason?: string;
}

export function detectCollapse(mePpl: number, baselineMePpl: number | null, factor = DEFAULT_COLLAPSE_FACTOR, otherScores: Record<string, number> = {}): CollapseVerdict {
  if (!Number.isFinite(mePpl)) return { collapsed: true, reason: `ME-PPL is ${mePpl}` };
  for (const [k, v] of Object.entries(otherScores)) if (!Number.isFinite(v)) return { collapsed: true, reason: `${k} is ${v}` };
  if (baselineMePpl !== null && mePpl > factor * baselineMePpl) {
    return { collapsed: true, reason: `ME-PPL ${mePpl.toPrecision(4)} exceeds ${factor}× the unedited ${baselineMePpl.toPrecision(4)}` };
  }
  return { collapsed: false };
}
