// Short generations: greedy (argmax) or top-k sampling with a seeded RNG.
// With a key/value cache (kv-cache.ts): the prompts run once, then each new
// token is one row per sequence. `cache: false` re-runs the whole sequence
// every step, the reference the cached path is tested against. Only the
// last row of each sequence is unembedded.
import { decodeLseState, logSoftmaxAccumulate, LSE_STATE_WIDTH } from '../kernels/cross-entropy.ts';
import { gatherRows } from '../kernels/embedding.ts';
import { matmul } from '../kernels/matmul.ts';
import { mergeTopK, TOP_K_MAX, topKCandidates, topKSegments } from '../kernels/top-k.ts';
import type { GpuTensor } from '../gpu/tensor.ts';
import { KvCache } from './kv-cache.ts';
import { EOS_ID, type Gpt2Model } from './model.ts';

export interface GenerateOptions {
  maxNewTokens: number;
  /** 0 or undefined: greedy. k > 0: sample among the k most likely tokens. */
  topK?: number;
  /** Uniform [0, 1) source for sampling; required when topK > 0 so runs reproduce. */
  random?: () => number;
  /** Stop a sequence at EOS (it is kept). Default true. */
  stopAtEos?: boolean;
  /** Stop sequence i once this says so, given its new tokens so far (e.g. a stop string was decoded). */
  stopWhen?: (i: number, added: readonly number[]) => boolean;
  /** After each step, with the step count. */
  onStep?: (step: number) => void;
  /** Default: with more than one new token. false re-runs every sequence from its start each step (the uncached reference). */
  cache?: boolean;
  signal?: AbortSignal;
}

/** Continue each prompt; returns only the new tokens of each. */
export async function generate(model: Gpt2Model, prompts: readonly (readonly number[])[], opts: GenerateOptions): Promise<number[][]> {
  const { ctx, config } = model;
  const topK = opts.topK ?? 0;
  if (topK > 0 && !opts.random) throw new Error('top-k sampling needs a seeded random source');
  if (topK > TOP_K_MAX) throw new Error(`top-k sampling supports k up to ${TOP_K_MAX}, got ${topK}`);
  prompts.forEach((p, i) => {
    if (p.length === 0) throw new Error(`prompt ${i} is empty`);
  });
  // One new token is one forward pass either way: a cache would only be written, never read.
  if (opts.cache ?? opts.maxNewTokens > 1) return generateCached(model, prompts, opts);
  const seqs = prompts.map((p) => [...p]);
  const added: number[][] = prompts.map(() => []);
  const active = prompts.map(() => true);
  for (let step = 0; step < opts.maxNewTokens && active.some(Boolean); step++) {
    opts.signal?.throwIfAborted();
    const live = seqs.map((_, i) => i).filter((i) => active[i] && seqs[i]!.length < config.nPositions);
    if (live.length === 0) break;
    const batch = model.batch(live.map((i) => seqs[i]!));
    const { hidden } = model.forward(batch);
    const rows = ctx.upload(Uint32Array.from(live, (i, b) => b * batch.T + seqs[i]!.length - 1), [live.length], 'u32', 'gen.rows');
    const hs = gatherRows(ctx, hidden, rows);
    ctx.release(hidden, rows, batch.ids);
    const next = topK > 0 ? await sampleTopK(model, hs, topK, opts.random!) : await argmaxRows(model, hs);
    ctx.release(hs);
    live.forEach((i, b) => {
      const t = next[b]!;
      seqs[i]!.push(t);
      added[i]!.push(t);
      if (t === EOS_ID && opts.stopAtEos !== false) active[i] = false;
      if (opts.stopWhen?.(i, added[i]!)) active[i] = false;
    });
    opts.onStep?.(step + 1);
  }
  return added;
}

/** generate() with a key/value cache: the same tokens, one row per sequence per step. */
async function generateCached(model: Gpt2Model, prompts: readonly (readonly number[])[], opts: GenerateOptions): Promise<number[][]> {
  const { ctx, config } = model;
  const topK = opts.topK ?? 0;
  const added: number[][] = prompts.map(() => []);
  // As the uncached loop: a sequence runs while it is shorter than the context.
  const active = prompts.map((p) => p.length < config.nPositions);
  if (!active.some(Boolean) || opts.maxNewTokens <= 0) return added;
  const longest = Math.max(...prompts.filter((_, i) => active[i]).map((p) => p.length));
  const cache = new KvCache(model, prompts.length, Math.min(config.nPositions, longest + opts.maxNewTokens));
  try {
    let feed: (readonly number[])[] = prompts.map((p, i) => (active[i] ? p : []));
    for (let step = 0; step < opts.maxNewTokens; step++) {
      opts.signal?.throwIfAborted();
      const live = prompts.map((_, i) => i).filter((i) => active[i]);
      if (live.length === 0) break;
      const hidden = cache.append(feed);
      const rows = ctx.upload(Uint32Array.from(live), [live.length], 'u32', 'gen.rows');
      const hs = gatherRows(ctx, hidden, rows);
      ctx.release(hidden, rows);
      const next = topK > 0 ? await sampleTopK(model, hs, topK, opts.random!) : await argmaxRows(model, hs);
      ctx.release(hs);
      feed = prompts.map(() => []);
      live.forEach((i, b) => {
        const t = next[b]!;
        added[i]!.push(t);
        feed[i] = [t];
        if (t === EOS_ID && opts.stopAtEos !== false) active[i] = false;
        if (opts.stopWhen?.(i, added[i]!)) active[i] = false;
        if (prompts[i]!.length + added[i]!.length >= config.nPositions) active[i] = false;
      });
      opts.onStep?.(step + 1);
    }
  } finally {
    cache.release();
  }
  return added;
}

async function argmaxRows(model: Gpt2Model, hs: GpuTensor): Promise<number[]> {
  const { ctx } = model;
  const n = hs.shape[0]!;
  const none = new Uint32Array(n).fill(0xffffffff);
  const tgt = ctx.upload(none, [n], 'u32', 'gen.none');
  const state = ctx.empty([n, LSE_STATE_WIDTH], 'f32', 'gen.state');
  model.weights.wte.forEach((c, k) => {
    const z = matmul(ctx, hs, c.table, { transB: true });
    logSoftmaxAccumulate(ctx, z, tgt, state, c.rowOffset, k === 0);
    ctx.release(z);
  });
  const { argmax } = decodeLseState(await ctx.downloadF32(state), none);
  ctx.release(tgt, state);
  return Array.from(argmax);
}

/**
 * ROME's generate_fast sampling: softmax over the k largest logits, then one
 * draw. The k largest are found on the GPU (kernels/top-k.ts): one read-back
 * of a few candidates per row instead of the whole vocabulary's logits.
 */
async function sampleTopK(model: Gpt2Model, hs: GpuTensor, k: number, random: () => number): Promise<number[]> {
  const { ctx } = model;
  const n = hs.shape[0]!;
  const chunks = model.weights.wte;
  const segTotal = chunks.reduce((a, c) => a + topKSegments(c.table.shape[0]!), 0);
  const cand = ctx.empty([n, segTotal, k, 2], 'f32', 'gen.topk');
  let segOffset = 0;
  for (const c of chunks) {
    const z = matmul(ctx, hs, c.table, { transB: true });
    topKCandidates(ctx, z, k, cand, { colOffset: c.rowOffset, segOffset });
    ctx.release(z);
    segOffset += topKSegments(c.table.shape[0]!);
  }
  const best = mergeTopK(await ctx.downloadF32(cand), n, k);
  ctx.release(cand);
  return best.map((list) => {
    const m = list[0]!.z;
    const w = list.map((e) => Math.exp(e.z - m));
    const total = w.reduce((a, b) => a + b, 0);
    let u = random() * total;
    for (let i = 0; i < list.length; i++) {
      u -= w[i]!;
      if (u < 0) return list[i]!.id;
    }
    return list[list.length - 1]!.id;
  });
}
