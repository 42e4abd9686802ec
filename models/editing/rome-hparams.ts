// ROME's hyper-parameters (rome.md step 1): the Experiment's method knobs,
// each unset one taken from the settings table's default for the model size.
import type { MethodSpec } from '../experiment.ts';
import { effectiveSetting } from '../settings-table.ts';

export { defaultRomeLayer } from '../settings-table.ts';

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

export function romeHparams(nLayer: number, spec: Partial<MethodSpec> = {}): RomeHparams {
  const exp = { method: { name: 'rome' as const, ...spec }, mode: 'sequential' as const };
  const get = <T>(key: string) => effectiveSetting(exp, `method.${key}`, nLayer) as T;
  const layer = get<number>('layer');
  if (layer < 0 || layer >= nLayer) throw new Error(`layer ${layer} does not exist in a ${nLayer}-layer model`);
  return {
    layer,
    v_num_grad_steps: get('v_num_grad_steps'),
    v_lr: get('v_lr'),
    v_weight_decay: get('v_weight_decay'),
    clamp_norm_factor: get('clamp_norm_factor'),
    kl_factor: get('kl_factor'),
    mom2_adjustment: get('mom2_adjustment'),
    early_stop_loss: 5e-2,
    kl_prompts: ['{} is a'],
  };
}
