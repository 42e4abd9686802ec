// Applied edits and their exact undo. The first edit of a weight keeps its
// original contents on the CPU (and switches an f16 weight to an f32 working
// copy). Every edit is recorded as the exact f32 vectors it added, so the
// weights after edits 1..k are always: original, then rank-one updates 1..k
// by the same kernel in the same order. Undoing the last edit therefore
// restores the original and re-adds 1..k-1, giving bit-for-bit the weights
// the model had before edit k. Undoing an earlier edit (sequential mode)
// needs the later edits recomputed on the new state: the Lab does that.
import type { GpuContext } from '../gpu/context.ts';
import { f16BitsToF32 } from '../gpu/half.ts';
import type { GpuTensor } from '../gpu/tensor.ts';
import type { Gpt2Model } from '../gpt2/model.ts';
import { rankOneUpdate } from './rank-one.ts';

export interface WeightDelta {
  layer: number;
  /** [4d] */
  u: Float32Array;
  /** [d] */
  right: Float32Array;
}

interface Original {
  /** As stored before any edit (f32 values, or raw f16 halves). */
  data: Float32Array | Uint16Array;
  dtype: 'f32' | 'f16';
}

export class WeightHistory {
  private readonly originals = new Map<number, Original>();
  private readonly applied: WeightDelta[] = [];

  constructor(private readonly model: Gpt2Model) {}

  get deltas(): readonly WeightDelta[] {
    return this.applied;
  }

  /** Add u ⊗ right to h.{layer}.mlp.c_proj.weight and remember it. */
  async apply(delta: WeightDelta): Promise<void> {
    const w = await this.workingWeight(delta.layer);
    this.addDelta(w, delta);
    this.applied.push(delta);
  }

  /** Return to the original weights, then re-add the first `keep` deltas. Returns the ones dropped. */
  truncate(keep: number): WeightDelta[] {
    if (keep < 0 || keep > this.applied.length) throw new Error(`cannot keep ${keep} of ${this.applied.length} edits`);
    const dropped = this.applied.splice(keep);
    this.restoreOriginals();
    for (const d of this.applied) this.addDelta(this.weight(d.layer), d);
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
      for (const d of kept) await this.apply(d);
    }
  }

  private restoreOriginals(): void {
    for (const [layer, o] of this.originals) {
      this.model.ctx.write(this.weight(layer), o.dtype === 'f32' ? (o.data as Float32Array) : halvesToF32(o.data as Uint16Array));
    }
  }

  private addDelta(w: GpuTensor, d: WeightDelta): void {
    const ctx: GpuContext = this.model.ctx;
    const u = ctx.upload(d.u, [d.u.length], 'f32', 'delta.u');
    const r = ctx.upload(d.right, [d.right.length], 'f32', 'delta.right');
    rankOneUpdate(ctx, w, u, r);
    ctx.release(u, r);
  }

  private weight(layer: number): GpuTensor {
    return this.model.weights.blocks[layer]!.mlpProj.w;
  }

  /** The edited weight in f32; the first call keeps the original. */
  private async workingWeight(layer: number): Promise<GpuTensor> {
    const { ctx } = this.model;
    const w = this.weight(layer);
    if (!this.originals.has(layer)) {
      const data = (await ctx.download(w)) as Float32Array | Uint16Array;
      this.originals.set(layer, { data, dtype: w.dtype === 'f16' ? 'f16' : 'f32' });
      if (w.dtype === 'f16') {
        const f32 = ctx.upload(halvesToF32(data as Uint16Array), w.shape, 'f32', `h.${layer}.mlp.c_proj.weight (edited)`);
        this.model.weights.blocks[layer]!.mlpProj.w = f32;
        this.model.weights.byName.set(`h.${layer}.mlp.c_proj.weight`, f32);
        ctx.release(w);
      }
    }
    return this.weight(layer);
  }
}

function halvesToF32(h: Uint16Array): Float32Array {
  const out = new Float32Array(h.length);
  for (let i = 0; i < h.length; i++) out[i] = f16BitsToF32(h[i]!);
  return out;
}
