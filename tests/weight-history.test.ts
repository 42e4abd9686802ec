// WeightHistory with the delta kinds the method registry hands it: rank-one
// (ROME, MEMIT's columns) and dense (a bias, a fine-tuned weight), on any
// block linear layer, several per edit, added in steps (extend). Undo must
// give back the original bits, in f32 and f16 models, and a delta that does
// not fit is refused before it touches anything.
import { describe, expect, it } from 'vitest';
import { WeightHistory, type EditDeltas } from '../models/editing/history.ts';
import { f16BitsToF32 } from '../models/gpu/half.ts';
import { nodeGpuContext } from '../models/gpu/node-gpu.ts';
import { loadGpt2 } from '../models/gpt2/load.ts';
import { dirModelFiles } from '../models/gpt2/load-node.ts';
import type { Gpt2Model } from '../models/gpt2/model.ts';
import { scoreSequences } from '../models/gpt2/score.ts';

const NAMES = ['h.0.mlp.c_fc.bias', 'h.2.attn.c_attn.weight', 'h.1.mlp.c_proj.weight'];

async function load(file: string): Promise<Gpt2Model> {
  return loadGpt2(await nodeGpuContext(), dirModelFiles('public/models/tiny-gpt2', file));
}

/** Each tensor's values as f32 bits (an f16 weight widened exactly: the edited working copy is f32). */
async function bits(model: Gpt2Model): Promise<Uint32Array[]> {
  const out: Uint32Array[] = [];
  for (const n of NAMES) {
    const d = (await model.ctx.download(model.weights.byName.get(n)!)) as Float32Array | Uint16Array;
    const f = d instanceof Uint16Array ? Float32Array.from(d, f16BitsToF32) : Float32Array.from(d);
    out.push(new Uint32Array(f.buffer));
  }
  return out;
}

function ramp(n: number, scale: number): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => scale * Math.sin(i + 1));
}

function deltasFor(model: Gpt2Model): { first: EditDeltas; second: EditDeltas } {
  const { nEmbd: d, nInner: f } = model.config;
  return {
    first: [
      { param: 'h.0.mlp.c_fc.bias', values: ramp(f, 0.3) },
      { param: 'h.2.attn.c_attn.weight', u: ramp(d, 0.2), right: ramp(3 * d, 0.1) },
    ],
    second: [{ param: 'h.1.mlp.c_proj.weight', u: ramp(f, 0.05), right: ramp(d, 0.7) }],
  };
}

const nll = async (model: Gpt2Model) => Array.from((await scoreSequences(model, [[464, 3797, 3332, 319, 262, 2603]]))[0]!.nll);

describe('WeightHistory', () => {
  for (const file of ['model.safetensors', 'model.f16.safetensors']) {
    it(`${file}: dense and rank-one deltas on several tensors, extended in steps, undo bit-exactly`, async () => {
      const model = await load(file);
      const history = new WeightHistory(model);
      const w0 = await bits(model);
      const s0 = await nll(model);
      const { first, second } = deltasFor(model);

      await history.apply([first[0]!]);
      await history.extend([first[1]!]); // a method applying layer by layer
      const s1 = await nll(model);
      expect(s1).not.toEqual(s0);
      await history.apply(second);
      expect(history.edits.map((e) => e.map((x) => x.param))).toEqual([[NAMES[0], NAMES[1]], [NAMES[2]]]);

      expect(history.truncate(1).map((e) => e.length)).toEqual([1]);
      expect(await nll(model)).toEqual(s1);
      history.reset();
      expect(await nll(model)).toEqual(s0);
      expect(await bits(model)).toEqual(w0);
    });
  }

  it('refuses a delta that does not fit, or names no weight, leaving the weights as they were', async () => {
    const model = await load('model.safetensors');
    const history = new WeightHistory(model);
    const s0 = await nll(model);
    const d = model.config.nEmbd;
    await history.apply([]);
    await expect(history.extend([{ param: 'h.0.mlp.c_fc.bias', values: new Float32Array(d) }])).rejects.toThrow(/does not fit its shape/);
    await expect(history.extend([{ param: 'h.0.mlp.c_proj.weight', u: new Float32Array(d), right: new Float32Array(d) }])).rejects.toThrow(/does not fit its shape/);
    await expect(history.extend([{ param: 'h.9.mlp.c_proj.weight', values: new Float32Array(1) }])).rejects.toThrow(/no weight "h.9.mlp.c_proj.weight"/);
    await expect(history.extend([{ param: 'ln_f.weight', values: new Float32Array(d) }])).rejects.toThrow(/only the blocks' linear layers/);
    history.truncate(0);
    expect(await nll(model)).toEqual(s0);
  });
});
