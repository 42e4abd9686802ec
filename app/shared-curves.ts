// Imported curves in a share link, bounded: at most SHARED_CURVE_LIMITS.curves
// curves and .points points in all, ME-PPL only (6 significant digits) and
// the collapse flags. The link's JSON is anyone's text, so reading checks
// every field and drops what does not fit (never throws).
import type { Experiment, MethodName } from '../models/experiment.ts';
import type { CurvePoint, CurveSeries } from './curve.ts';
import { encodeExperiment } from './share-codec.ts';

export const SHARED_CURVE_LIMITS = { curves: 4, points: 600, label: 80 } as const;

interface SharedCurve {
  label: string;
  method: string;
  collapse_factor: number;
  /** [me_ppl or null (a gap), 1 when collapsed else 0] per point; point 0 is the baseline. */
  points: [number | null, 0 | 1][];
}

export function sharedPointCount(curves: readonly CurveSeries[]): number {
  return curves.reduce((n, c) => n + c.points.length, 0);
}

/** Why these curves cannot ride in a link, or null when they can. */
export function curvesTooBigForLink(curves: readonly CurveSeries[]): string | null {
  if (curves.length > SHARED_CURVE_LIMITS.curves) return `A link carries at most ${SHARED_CURVE_LIMITS.curves} imported curves (${curves.length} are open).`;
  const n = sharedPointCount(curves);
  if (n > SHARED_CURVE_LIMITS.points) return `A link carries at most ${SHARED_CURVE_LIMITS.points} imported points (these curves have ${n}); share the results file instead.`;
  return null;
}

const round = (v: number): number | null => (Number.isFinite(v) && v > 0 ? Number(v.toPrecision(6)) : null);

export function sharedCurvesField(curves: readonly CurveSeries[]): { imported: SharedCurve[] } {
  return {
    imported: curves.map((c) => ({
      label: c.label.slice(0, SHARED_CURVE_LIMITS.label),
      method: c.method,
      collapse_factor: c.collapseFactor,
      points: c.points.map((p) => [round(p.me_ppl), p.collapsed ? 1 : 0] as [number | null, 0 | 1]),
    })),
  };
}

export function linkWithCurves(exp: Experiment, curves: readonly CurveSeries[]): string {
  return `${location.origin}${location.pathname}${location.search}#${encodeExperiment(exp, sharedCurvesField(curves))}`;
}

/** The curves a link carries (possibly none); whatever is malformed or over the bounds is left out. */
export function readSharedCurves(raw: Record<string, unknown>): CurveSeries[] {
  const list = raw.imported;
  if (!Array.isArray(list)) return [];
  const out: CurveSeries[] = [];
  let budget: number = SHARED_CURVE_LIMITS.points;
  for (const c of list.slice(0, SHARED_CURVE_LIMITS.curves)) {
    if (!c || typeof c !== 'object') continue;
    const { label, method, collapse_factor, points } = c as Record<string, unknown>;
    if (typeof label !== 'string' || !Array.isArray(points) || points.length > budget) continue;
    const pts: CurvePoint[] = [];
    for (const p of points) {
      if (!Array.isArray(p)) break;
      const v = p[0];
      if (v !== null && (typeof v !== 'number' || !Number.isFinite(v) || v <= 0)) break;
      const edit = pts.length;
      pts.push({ edit, me_ppl: v ?? NaN, ppl_corpus: NaN, collapsed: p[1] === 1, tasks: {}, label: edit === 0 ? 'unedited' : `edit ${edit}` });
    }
    if (pts.length !== points.length || !pts.length) continue;
    budget -= pts.length;
    out.push({
      id: `shared-${out.length}`,
      label: label.slice(0, SHARED_CURVE_LIMITS.label),
      method: (typeof method === 'string' ? method.slice(0, 20) : 'rome') as MethodName,
      frozen: true,
      collapseFactor: typeof collapse_factor === 'number' && Number.isFinite(collapse_factor) && collapse_factor >= 1 ? collapse_factor : 10,
      points: pts,
    });
  }
  return out;
}
