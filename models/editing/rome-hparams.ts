// ROME's hyper-parameters (rome.md step 1) and the per-size defaults.
import type { MethodSpec } from '../experiment.ts';

export interface RomeHparams {
  layer: number;
  v_num_grad_steps: number;
  v_lr: number;
  v_weight_decay: number;
  clamp_norm_factor: number;
  kl_factor: number;
  mom2_adjustment: boolean;
  /** Hard-coded in ROME's compute_v. */
  early_stop_loss: number;
  kl_prompts: string[];
}

/**
 * ROME's edited layer per size: XL 17 of 48, large 12 of 36, medium 8 of 24
 * (methods.md). GPT-2 small has no official layer; the lab uses layer 5 of
 * 12, which the ROME/MEMIT ports to GPT-2 small commonly use (early-middle
 * MLP, where causal tracing peaks for subjects' last tokens). Other depths:
 * the same relative depth as XL's (17/48).
 */
export function defaultRomeLayer(nLayer: number): number {
  const known: Record<number, number> = { 48: 17, 36: 12, 24: 8, 12: 5 };
  return known[nLayer] ?? Math.max(0, Math.min(nLayer - 1, Math.round((17 / 48) * nLayer)));
}

export function romeHparams(nLayer: number, spec: Partial<MethodSpec> = {}): RomeHparams {
  const layer = spec.layer ?? defaultRomeLayer(nLayer);
  if (layer < 0 || layer >= nLayer) throw new Error(`layer ${layer} does not exist in a ${nLayer}-layer model`);
  return {
    layer,
    v_num_grad_steps: spec.v_num_grad_steps ?? 20,
    v_lr: spec.v_lr ?? 0.5,
    v_weight_decay: spec.v_weight_decay ?? 0.5,
    clamp_norm_factor: spec.clamp_norm_factor ?? 4,
    kl_factor: spec.kl_factor ?? 0.0625,
    mom2_adjustment: spec.mom2_adjustment ?? true,
    early_stop_loss: 5e-2,
    kl_prompts: ['{} is a'],
  };
}
