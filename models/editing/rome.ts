// ROME and C-ROME for GPT-2 (rome.md steps 4–7): k* and u from the key
// statistics, v* by optimisation, the right vector, and ΔW = u ⊗ right.
// compute* functions only read the model; applying the update is the
// history's job (history.ts), so every edit can be undone exactly.
import type { Gpt2Model } from '../gpt2/model.ts';
import { solve, type CholeskyFactor } from './cholesky.ts';
import { keysAt, type LayerActivations } from './keys.ts';
import type { RomeHparams } from './rome-hparams.ts';
import type { KeyContext, PreparedRequest } from './prepared.ts';
import { computeVStar, type VStarResult } from './v-star.ts';

export type RomeVariant = 'rome' | 'c-rome';

export type { KeyContext } from './prepared.ts';

export interface RomeUpdate {
  variant: RomeVariant;
  layer: number;
  keyContexts: KeyContext[];
  kStar: Float64Array;
  /** C⁻¹k* (or k* without mom2 adjustment), before normalising. */
  uRaw: Float64Array;
  /** Left vector, unit norm. */
  u: Float64Array;
  v: VStarResult;
  /** The key and output the right vector is anchored to: (k_u, o_u) for ROME, (k̄, ō) for C-ROME. */
  curInput: Float64Array;
  curOutput: Float64Array;
  denominator: number;
  right: Float64Array;
  /** ‖ΔW‖_F = ‖u‖·‖right‖. */
  updateNorm: number;
  /** The subject's last token is token 0 of the bare prompt (collapse-prone). */
  subjectAtStart: boolean;
}

/** Left vector u = C⁻¹k* / ‖C⁻¹k*‖, or k* / ‖k*‖ without mom2 adjustment. */
export function leftVector(kStar: Float64Array, factor: CholeskyFactor | null): { uRaw: Float64Array; u: Float64Array } {
  const uRaw = factor ? solve(factor, kStar) : Float64Array.from(kStar);
  const n = Math.hypot(...uRaw);
  if (!(n > 0) || !Number.isFinite(n)) throw new Error('the left vector C⁻¹k* is zero or not finite');
  return { uRaw, u: uRaw.map((x) => x / n) };
}

/** k*, u and the anchor of one edit (rome.md steps 4 and 6) from the keys and MLP outputs at the key contexts ("{}" first). */
export interface RomeLeft {
  kStar: Float64Array;
  uRaw: Float64Array;
  u: Float64Array;
  curInput: Float64Array;
  curOutput: Float64Array;
  /** curInput · u: tiny ⇒ the update explodes ("The Fall of ROME"); the fact preview shows it. */
  denominator: number;
}

export function romeLeft(variant: RomeVariant, acts: LayerActivations, factor: CholeskyFactor | null): RomeLeft {
  const kStar = mean(acts.keys);
  const { uRaw, u } = leftVector(kStar, factor);
  // ROME anchors the right vector at the bare prompt's key; C-ROME at the template averages.
  const curInput = variant === 'rome' ? Float64Array.from(acts.keys[0]!) : kStar;
  const curOutput = variant === 'rome' ? Float64Array.from(acts.mlpOut[0]!) : mean(acts.mlpOut);
  let denominator = 0;
  for (let i = 0; i < u.length; i++) denominator += curInput[i]! * u[i]!;
  return { kStar, uRaw, u, curInput, curOutput, denominator };
}

export async function computeRomeUpdate(
  model: Gpt2Model,
  req: PreparedRequest,
  contextTemplates: readonly string[],
  hp: RomeHparams,
  factor: CholeskyFactor | null,
  variant: RomeVariant,
  opts: { signal?: AbortSignal; onStep?: (it: number, loss: number) => void } = {},
): Promise<RomeUpdate> {
  if (contextTemplates[0] !== '{}') throw new Error('the first context template must be "{}"');
  if (hp.mom2_adjustment && !factor) throw new Error('mom2_adjustment needs the key statistics C');
  const contexts = req.contexts(contextTemplates);
  const acts = await keysAt(model, hp.layer, contexts);
  const left = romeLeft(variant, acts, hp.mom2_adjustment ? factor : null);
  opts.signal?.throwIfAborted();
  const v = await computeVStar(model, req, contextTemplates, hp, opts);
  const right = v.vStar.map((x, j) => (x - left.curOutput[j]!) / left.denominator);
  return {
    variant,
    layer: hp.layer,
    keyContexts: contexts,
    ...left,
    v,
    right,
    updateNorm: Math.hypot(...right),
    subjectAtStart: contexts[0]!.index === 0,
  };
}

function mean(vs: readonly ArrayLike<number>[]): Float64Array {
  const out = new Float64Array(vs[0]!.length);
  for (const v of vs) for (let i = 0; i < out.length; i++) out[i]! += v[i]!;
  return out.map((x) => x / vs.length);
}
