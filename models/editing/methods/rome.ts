// ROME (rome.md) as a registered method: one request per edit, a rank-one
// update of h.{layer}.mlp.c_proj.weight. The math is in ../rome.ts; this
// module says what it needs (C of its layer, the templates) and how its
// update and diagnostics reach the Lab. C-ROME is the same with the
// template-averaged anchor (c-rome.ts).
import { methodRows } from '../../settings-table.ts';
import { cProjWeight } from '../history.ts';
import { keysAt } from '../keys.ts';
import { romeHparams } from '../rome-hparams.ts';
import { computeRomeUpdate, romeLeft, type RomeVariant } from '../rome.ts';
import { resolveSpec } from './resolve.ts';
import { EditRefusedError, type EditMethod } from './types.ts';

export function romeFamily(variant: RomeVariant): EditMethod {
  return {
    name: variant,
    settings: methodRows(variant),

    resolve: (spec, nLayer, editLayer) => resolveSpec(variant, spec, nLayer, editLayer),

    needs: (spec) => ({ statsLayers: spec.mom2_adjustment ? [spec.layer!] : [], templates: !spec.context_templates }),

    batchSize: () => 1,

    async compute(ctx, requests) {
      if (requests.length !== 1) throw new Error(`${variant} edits one fact at a time (got ${requests.length})`);
      const hp = romeHparams(ctx.model.config.nLayer, ctx.spec);
      const factor = hp.mom2_adjustment ? await ctx.resources.keyFactor(hp.layer) : null;
      const templates = ctx.spec.context_templates ?? (await ctx.resources.templates());
      ctx.onProgress(0, 'v* optimisation');
      const up = await computeRomeUpdate(ctx.model, requests[0]!, templates, hp, factor, variant, {
        signal: ctx.signal,
        onStep: (it) => ctx.onProgress((it + 1) / hp.v_num_grad_steps, `v* step ${it + 1}`),
      });
      const u = Float32Array.from(up.u);
      const right = Float32Array.from(up.right);
      if (!u.every(Number.isFinite) || !right.every(Number.isFinite)) {
        throw new EditRefusedError(`the update is not finite (denominator ${up.denominator.toPrecision(3)}): edit refused, weights unchanged`);
      }
      return {
        deltas: [{ param: cProjWeight(hp.layer), u, right }],
        diagnostics: {
          denominator: up.denominator,
          delta_norm: Math.hypot(...up.v.delta),
          update_norm: up.updateNorm,
          subject_at_start: up.subjectAtStart,
          v_loss: up.v.losses,
        },
        dump: { k_star: Array.from(up.kStar), u: Array.from(up.u), v_star: Array.from(up.v.vStar), right: Array.from(up.right) },
      };
    },

    // The collapse predictor of "The Fall of ROME": the edit's own denominator (romeLeft), from the keys alone, no v*.
    async preview(ctx, request) {
      const hp = romeHparams(ctx.model.config.nLayer, ctx.spec);
      if (!hp.mom2_adjustment) return null;
      const factor = await ctx.resources.keyFactorIfReady(hp.layer);
      if (!factor) return null;
      const templates = ctx.spec.context_templates ?? ctx.resources.templatesIfReady() ?? ['{}'];
      const acts = await keysAt(ctx.model, hp.layer, request.contexts(templates));
      return romeLeft(variant, acts, factor).denominator;
    },
  };
}

export const rome = romeFamily('rome');
