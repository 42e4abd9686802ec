// FT-L∞ (methods.md; the math in ../ft-l.ts) as a registered method: Adam on
// the chosen layers' c_proj weight and bias with the L∞ clamp around the
// weights before the edit; the edit is their dense deltas.
import { methodRows } from '../../settings-table.ts';
import { trainFtL } from '../ft-l.ts';
import { resolveSpec } from './resolve.ts';
import type { EditMethod } from './types.ts';

export const ftL: EditMethod = {
  name: 'ft-l',
  settings: methodRows('ft-l'),
  resolve: (spec, nLayer, editLayer) => resolveSpec('ft-l', spec, nLayer, editLayer),
  needs: () => ({ statsLayers: [], templates: false }),
  // ft_main trains on the requests of a call together; the lab gives it one at a time.
  batchSize: () => 1,

  async compute(ctx, requests) {
    const { spec } = ctx;
    const hp = { layers: spec.layers!, lr: spec.lr!, num_steps: spec.num_steps!, norm_constraint: spec.norm_constraint!, early_stop_loss: 1e-2 };
    const up = await trainFtL(ctx.model, requests, hp, {
      signal: ctx.signal,
      onProgress: (p) => ctx.onProgress(p.total ? p.done / p.total : null, `fine-tuning step ${p.done} of ${p.total}`),
    });
    const weights = up.params.filter((p) => p.name.endsWith('.weight'));
    return {
      deltas: up.deltas,
      diagnostics: {
        denominator: NaN,
        delta_norm: NaN,
        update_norm: Math.hypot(...weights.map((p) => p.fro)),
        subject_at_start: false,
        v_loss: up.losses,
        loss_name: 'fine-tuning loss',
        per_layer: up.params.map((p) => ({ param: p.name, update_norm: p.fro, at_bound: p.atBound, elements: p.elements })),
      },
    };
  },
};
