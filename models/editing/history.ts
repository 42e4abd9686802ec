// Applied edits and their exact undo. The first edit of a weight keeps its
// original contents on the CPU (and switches an f16 weight to an f32 working
// copy). Every edit is recorded as the exact f32 deltas it added (to any
// number of weights and biases), so the weights after edits 1..k are always:
// original, then the deltas of edits 1..k by the same kernels in the same
// order. Undoing the last edit therefore restores the originals and re-adds
// 1..k-1, giving bit-for-bit the weights the model had before edit k. Undoing
// an earlier edit (sequential mode) needs the later edits recomputed on the
// new state: the Lab does that.
import type { GpuContext } from '../gpu/context.ts';
import { f16BitsToF32 } from '../gpu/half.ts';
import type { GpuTensor } from '../gpu/tensor.ts';
import type { Gpt2Model } from '../gpt2/model.ts';
import { addInto } from '../kernels/add.ts';
import { rankOneUpdate } from '../kernels/rank-one.ts';

/** W += u ⊗ right on a [rows, cols] weight (ROME's update; a rank-k update is k of these). */
export interface RankOneDelta {
  /** Canonical tensor name, e.g. h.5.mlp.c_proj.weight. */
  param: string;
  /** [rows] */
  u: Float32Array;
  /** [cols] */
  right: Float32Array;
}

/** W += values, elementwise (a bias, or a fine-tuned weight's change). */
export interface DenseDelta {
  param: string;
  values: Float32Array;
}

export type WeightDelta = RankOneDelta | DenseDelta;

/** One edit: its deltas, applied in order and undone together. */
export type EditDeltas = readonly WeightDelta[];

/** The canonical name of a block's MLP output weight (the one ROME edits). */
export const cProjWeight = (layer: number) => `h.${layer}.mlp.c_proj.weight`;

interface Original {
  /** As stored before any edit (f32 values, or raw f16 halves). */
  data: Float32Array | Uint16Array;
  dtype: 'f32' | 'f16';
}

export class WeightHistory {
  private readonly originals = new Map<string, Original>();
  private readonly applied: WeightDelta[][] = [];

  constructor(private readonly model: Gpt2Model) {}

  /** Each applied edit's deltas, in order. */
  get edits(): readonly EditDeltas[] {
    return this.applied;
  }

  /** Add one edit's deltas to their weights and remember them as one edit. */
  async apply(deltas: EditDeltas): Promise<void> {
    this.applied.push([]);
    await this.extend(deltas);
  }

  /** Add more deltas to the last edit (a method that applies layer by layer, like MEMIT). */
  async extend(deltas: EditDeltas): Promise<void> {
    const last = this.applied[this.applied.length - 1];
    if (!last) throw new Error('no edit to extend');
    for (const d of deltas) {
      const w = await this.workingWeight(d.param);
      checkShape(w, d);
      this.addDelta(w, d);
      last.push(d);
    }
  }

  /**
   * One edit outside the Lab (tests, benchmarks): open it, let `fn` add its
   * deltas as it goes (MEMIT: layer by layer), and on a failure or a cancel
   * take the whole edit off again, bit-exactly.
   */
  async record<T>(fn: (apply: (deltas: EditDeltas) => Promise<void>) => Promise<T>): Promise<T> {
    const start = this.applied.length;
    await this.apply([]);
    try {
      return await fn((d) => this.extend(d));
    } catch (e) {
      this.truncate(start);
      throw e;
    }
  }

  /** Return to the original weights, then re-add the first `keep` edits. Returns the ones dropped. */
  truncate(keep: number): EditDeltas[] {
    if (keep < 0 || keep > this.applied.length) throw new Error(`cannot keep ${keep} of ${this.applied.length} edits`);
    const dropped = this.applied.splice(keep);
    this.restoreOriginals();
    for (const edit of this.applied) for (const d of edit) this.addDelta(this.weight(d.param), d);
    return dropped;
  }

  /** Original weights, no edits. */
  reset(): void {
    this.truncate(0);
  }

  /** Run `fn` on the original weights (statistics, baselines, templates), then put every edit back bit-exactly. */
  async withOriginalWeights<T>(fn: () => Promise<T>): Promise<T> {
    const kept = this.applied.slice();
    if (kept.length) this.reset();
    try {
      return await fn();
    } finally {
      for (const edit of kept) await this.apply(edit);
    }
  }

  private restoreOriginals(): void {
    for (const [name, o] of this.originals) {
      this.model.ctx.write(this.weight(name), o.dtype === 'f32' ? (o.data as Float32Array) : halvesToF32(o.data as Uint16Array));
    }
  }

  private addDelta(w: GpuTensor, d: WeightDelta): void {
    const ctx: GpuContext = this.model.ctx;
    if ('values' in d) {
      const x = ctx.upload(d.values, w.shape, 'f32', 'delta.values');
      addInto(ctx, w, x);
      ctx.release(x);
      return;
    }
    const u = ctx.upload(d.u, [d.u.length], 'f32', 'delta.u');
    const r = ctx.upload(d.right, [d.right.length], 'f32', 'delta.right');
    rankOneUpdate(ctx, w, u, r);
    ctx.release(u, r);
  }

  private weight(name: string): GpuTensor {
    const w = this.model.weights.byName.get(name);
    if (!w) throw new Error(`the model has no weight "${name}"`);
    return w;
  }

  /** The edited weight in f32; the first call keeps the original. */
  private async workingWeight(name: string): Promise<GpuTensor> {
    const { ctx } = this.model;
    const w = this.weight(name);
    // Only these can be swapped for an f32 working copy (replaceTensor); the rule is the same for f32 models.
    if (!EDITABLE.test(name)) throw new Error(`editing ${name} is not supported (only the blocks' linear layers)`);
    if (!this.originals.has(name)) {
      const data = (await ctx.download(w)) as Float32Array | Uint16Array;
      this.originals.set(name, { data, dtype: w.dtype === 'f16' ? 'f16' : 'f32' });
      if (w.dtype === 'f16') {
        const f32 = ctx.upload(halvesToF32(data as Uint16Array), w.shape, 'f32', `${name} (edited)`);
        replaceTensor(this.model, name, f32);
        ctx.release(w);
      }
    }
    return this.weight(name);
  }
}

function checkShape(w: GpuTensor, d: WeightDelta): void {
  const ok = 'values' in d ? d.values.length === w.size : w.shape.length === 2 && d.u.length === w.shape[0] && d.right.length === w.shape[1];
  if (!ok) throw new Error(`a delta for ${d.param} does not fit its shape [${w.shape.join(', ')}]`);
}

/** The tensors an edit may change: the blocks' linear layers, weights and biases. */
const EDITABLE = /^h\.(\d+)\.(attn\.c_attn|attn\.c_proj|mlp\.c_fc|mlp\.c_proj)\.(weight|bias)$/;

/** Swap a block tensor everywhere the model refers to it (its name and its place in the block). */
function replaceTensor(model: Gpt2Model, name: string, t: GpuTensor): void {
  const m = EDITABLE.exec(name)!;
  const block = model.weights.blocks[Number(m[1])]!;
  const linear = { 'attn.c_attn': block.attn, 'attn.c_proj': block.attnProj, 'mlp.c_fc': block.fc, 'mlp.c_proj': block.mlpProj }[m[2]!]!;
  if (m[3] === 'weight') linear.w = t;
  else linear.b = t;
  model.weights.byName.set(name, t);
}

function halvesToF32(h: Uint16Array): Float32Array {
  const out = new Float32Array(h.length);
  for (let i = 0; i < h.length; i++) out[i] = f16BitsToF32(h[i]!);
  return out;
}
