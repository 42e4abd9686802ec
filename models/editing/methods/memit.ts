// MEMIT (methods.md; the math in ../memit.ts and ../memit-core.ts) as a
// registered method: z at the last edited layer, then per layer
// ΔW_l = (λC_l + KKᵀ)⁻¹K·residᵀ, each applied (through ctx.apply) before the
// next layer's keys are read. Up to batch_size requests per call.
import { methodRows } from '../../settings-table.ts';
import type { EditProgress } from '../edit-progress.ts';
import { runMultiLayerEdit } from '../memit-core.ts';
import { memitSolver } from '../memit.ts';
import { multiLayerDiagnostics, multiLayerHparams } from './multi-layer.ts';
import { resolveSpec } from './resolve.ts';
import type { EditMethod } from './types.ts';

export const memit: EditMethod = {
  name: 'memit',
  settings: methodRows('memit'),
  resolve: (spec, nLayer, editLayer) => resolveSpec('memit', spec, nLayer, editLayer),
  needs: (spec) => ({ statsLayers: [...spec.layers!], templates: !spec.context_templates }),
  batchSize: (spec) => spec.batch_size!,

  async compute(ctx, requests) {
    const hp = multiLayerHparams(ctx.spec);
    const stats = new Map<number, Float64Array>();
    for (const l of hp.layers) stats.set(l, (await ctx.resources.keyStats(l)).C);
    const templates = ctx.spec.context_templates ?? (await ctx.resources.templates());
    const up = await runMultiLayerEdit(ctx.model, requests, templates, hp, memitSolver(stats, ctx.spec.mom2_update_weight!), ctx.apply, {
      signal: ctx.signal,
      onProgress: progressOf(ctx.onProgress, hp.layers.length),
    });
    return { deltas: [], diagnostics: multiLayerDiagnostics(up) };
  },
};

/**
 * A MEMIT-style call's progress as one fraction: the z optimisations take the
 * first third, the m layers (keys, solve, apply) the rest; a solve reports its
 * own fraction (total 1), the layer loop its layer index (total m), an apply
 * the end of its layer.
 */
export function progressOf(report: (fraction: number | null, detail?: string) => void, m: number): (p: EditProgress) => void {
  let i = 0;
  return (p) => {
    const detail = p.detail ? `${p.stage}, ${p.detail}` : p.stage;
    if (p.stage === 'z') return report(p.total ? p.done / p.total / 3 : 0, detail);
    if (p.stage === 'projector') return report(p.done / p.total, detail);
    if (p.stage === 'solve' && p.total === 1) return report(1 / 3 + ((2 / 3) * (i + p.done)) / m, detail);
    if (p.detail?.startsWith('Kp')) return report(1, detail);
    // Applying layer i ends it; keys and the loop's solve event start layer i.
    if (p.stage === 'apply') return report(1 / 3 + ((2 / 3) * Math.min(p.done + 1, m)) / m, detail);
    i = Math.min(p.done, m);
    report(1 / 3 + ((2 / 3) * i) / m, detail);
  };
}
