// ROME (rome.md) as a registered method: one request per edit, a rank-one
// update of h.{layer}.mlp.c_proj.weight. The math is in ../rome.ts; this
// module says what it needs (C of its layer, the templates) and how its
// update and diagnostics reach the Lab. C-ROME is the same with the
// template-averaged anchor (c-rome.ts).
import { methodRows } from '../../settings-table.ts';
import { cProjWeight } from '../history.ts';
import { keysAt } from '../keys.ts';
import { romeHparams } from '../rome-hparams.ts';
import { computeRomeUpdate, leftVector, type RomeVariant } from '../rome.ts';
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
      const request = requests[0]!.request;
      const hp = romeHparams(ctx.model.config.nLayer, ctx.spec);
      const factor = hp.mom2_adjustment ? await ctx.resources.keyFactor(hp.layer) : null;
      const templates = ctx.spec.context_templates ?? (await ctx.resources.templates());
      ctx.onProgress(0, 'v* optimisation');
      const up = await computeRomeUpdate(ctx.model, ctx.tok, request, templates, hp, factor, variant, {
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

    // The collapse predictor of "The Fall of ROME": k_u · C⁻¹k* / ‖C⁻¹k*‖ with k* over the templates.
    async preview(ctx, request) {
      const hp = romeHparams(ctx.model.config.nLayer, ctx.spec);
      if (!hp.mom2_adjustment) return null;
      const factor = await ctx.resources.keyFactorIfReady(hp.layer);
      if (!factor) return null;
      const templates = ctx.spec.context_templates ?? ctx.resources.templatesIfReady() ?? ['{}'];
      const contexts = request.contexts(templates);
      const acts = await keysAt(ctx.model, hp.layer, contexts.map((c) => ({ ids: c.ids, index: c.index })));
      const kStar = new Float64Array(acts.keys[0]!.length);
      for (const k of acts.keys) for (let i = 0; i < kStar.length; i++) kStar[i]! += k[i]! / acts.keys.length;
      const { u } = leftVector(kStar, factor);
      const ku = variant === 'c-rome' ? kStar : acts.keys[0]!;
      let denominator = 0;
      for (let i = 0; i < u.length; i++) denominator += ku[i]! * u[i]!;
      return denominator;
    },
  };
}

export const rome = romeFamily('rome');
