// What the MEMIT and AlphaEdit modules share: their knobs as the math wants
// them, and their diagnostics (z loss, ‖δ‖, ‖ΔW_l‖ per layer).
import type { MethodSpec } from '../../experiment.ts';
import type { MultiLayerHparams, MultiLayerUpdate } from '../memit-core.ts';
import type { MethodDiagnostics } from './types.ts';

/** A resolved spec (every knob filled, resolve()) as MEMIT's z and layer loop read it. */
export function multiLayerHparams(spec: MethodSpec): MultiLayerHparams {
  return {
    layers: spec.layers!,
    v_num_grad_steps: spec.v_num_grad_steps!,
    v_lr: spec.v_lr!,
    v_weight_decay: spec.v_weight_decay!,
    clamp_norm_factor: spec.clamp_norm_factor!,
    kl_factor: spec.kl_factor!,
    // The layer solve always uses C (memit's mom2_adjustment is on in every config).
    mom2_adjustment: true,
    // compute_z's hard-coded stop and KL prompt, as ROME's compute_v.
    early_stop_loss: 5e-2,
    kl_prompts: ['{} is a'],
  };
}

/** The common diagnostics of a MEMIT-style call; ‖ΔW‖ is that of the whole edit (all layers). */
export function multiLayerDiagnostics(up: MultiLayerUpdate): MethodDiagnostics {
  const z = up.z[0]!;
  return {
    denominator: NaN,
    delta_norm: Math.hypot(...z.delta),
    update_norm: Math.hypot(...up.layers.map((l) => l.deltaFro)),
    subject_at_start: false,
    v_loss: z.losses,
    loss_name: 'z loss',
    per_layer: up.layers.map((l) => ({ param: l.deltas[0]!.param, update_norm: l.deltaFro, ...(l.extra?.P_rank !== undefined ? { P_rank: l.extra.P_rank } : {}) })),
  };
}
