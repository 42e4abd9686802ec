// The curves on screen: the live one (the lab's sequence, or its saved points
// while a replay verifies them) first, then the frozen comparisons, then
// results opened from files or a link.
import { useMemo } from 'react';
import { curveOf, type CurveSeries } from './curve.ts';
import { DEFAULT_COLLAPSE_FACTOR } from '../models/defaults.ts';
import { EDIT_METHODS } from './settings.ts';
import { useImportedResults } from './store-imported.ts';
import { useLabSession } from './store-lab.ts';

export function useCurves(): CurveSeries[] {
  const baseline = useLabSession((s) => s.baseline);
  const steps = useLabSession((s) => s.steps);
  const settings = useLabSession((s) => s.settings);
  const comparisons = useLabSession((s) => s.comparisons);
  const restored = useLabSession((s) => s.restored);
  const imported = useImportedResults((s) => s.entries);
  return useMemo(() => {
    const method = restored?.steps[0]?.method.name ?? settings.method.name;
    const label = EDIT_METHODS.find((m) => m.id === method)?.label.split(' ')[0] ?? method;
    const live = curveOf(restored?.baseline ?? baseline, restored?.steps ?? steps, { id: 'live', label, method, frozen: false, collapseFactor: settings.eval.collapse_factor ?? DEFAULT_COLLAPSE_FACTOR });
    return [live, ...comparisons, ...imported.map((e) => e.series)];
  }, [baseline, steps, settings, comparisons, restored, imported]);
}
