// AlphaEdit (methods.md; the math in ../alphaedit.ts) as a registered method:
// MEMIT's z and layer loop with the update projected into the null space of
// the preserved keys. Per layer it needs P (from the float64 eigendecomposition
// of the unedited C, computed once per statistics source and cached by the
// Lab's resources, the threshold's cut cached beside it) and Kp, the sum of
// K′K′ᵀ over this run's earlier AlphaEdit calls. Kp rides with the edits as
// their carry, so undoing an edit takes its keys out of Kp too.
import { methodRows } from '../../settings-table.ts';
import { runAlphaEdit, type AlphaEditState } from '../alphaedit.ts';
import { cachedEigen, nullSpaceFromEigen, type NullSpace } from '../nullspace.ts';
import { progressOf } from './memit.ts';
import { multiLayerDiagnostics, multiLayerHparams } from './multi-layer.ts';
import { resolveSpec } from './resolve.ts';
import type { EditMethod, MethodContext } from './types.ts';

/** What an AlphaEdit edit hands the next one: Kp's keys per layer (never mutated). */
interface AlphaEditCarry {
  kp: Map<number, Float64Array[]>;
}

async function projector(ctx: MethodContext, layer: number, threshold: number): Promise<NullSpace> {
  return ctx.resources.derived(`nullspace@${threshold}`, layer, async () => {
    // Once per model, layer and statistics: from the statistics store when it has it, else computed and stored there.
    const eig = await ctx.resources.derived('eigh', layer, (stats) =>
      cachedEigen(ctx.resources.store, stats.cacheKey ?? null, stats.C, stats.dim, {
        signal: ctx.signal,
        onProgress: (fr) => ctx.onProgress(null, `null-space projector of layer ${layer}: eigendecomposition ${Math.round(100 * fr)}%`),
      }),
    );
    return nullSpaceFromEigen(eig, threshold);
  });
}

export const alphaEdit: EditMethod = {
  name: 'alphaedit',
  settings: methodRows('alphaedit'),
  resolve: (spec, nLayer, editLayer) => resolveSpec('alphaedit', spec, nLayer, editLayer),
  needs: (spec) => ({ statsLayers: [...spec.layers!], templates: !spec.context_templates }),
  batchSize: (spec) => spec.batch_size!,

  async compute(ctx, requests) {
    if (ctx.carry === undefined) {
      throw new Error('AlphaEdit cannot continue a run restored from a log: the keys of its earlier edits (Kp) are not in the log; replay the experiment instead');
    }
    const hp = { ...multiLayerHparams(ctx.spec), nullspace_threshold: ctx.spec.nullspace_threshold!, L2: ctx.spec.L2! };
    const projectors = new Map<number, NullSpace>();
    for (const l of hp.layers) projectors.set(l, await projector(ctx, l, hp.nullspace_threshold));
    const state: AlphaEditState = { projectors, kp: (ctx.carry as AlphaEditCarry | null)?.kp ?? new Map() };
    const templates = ctx.spec.context_templates ?? (await ctx.resources.templates());
    const up = await runAlphaEdit(ctx.model, requests, templates, hp, state, ctx.apply, {
      signal: ctx.signal,
      onProgress: progressOf(ctx.onProgress, hp.layers.length),
    });
    const carry: AlphaEditCarry = { kp: up.kpAfter };
    return { deltas: [], diagnostics: multiLayerDiagnostics(up), carry };
  },
};
