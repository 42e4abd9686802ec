// The buffer pool and the work counters: a reused buffer still reads as zeros,
// the pool stays within its limit, and in steady state a v* step and an
// evaluation batch create no GPU buffers (counted, not timed).
import { describe, expect, it } from 'vitest';
import { computeVStar } from '../models/editing/v-star.ts';
import { romeHparams } from '../models/editing/rome-hparams.ts';
import { counterDelta, type GpuCounters } from '../models/gpu/context.ts';
import { nodeGpuContext } from '../models/gpu/node-gpu.ts';
import { loadGpt2 } from '../models/gpt2/load.ts';
import { dirModelFiles } from '../models/gpt2/load-node.ts';
import { scoreSequences } from '../models/gpt2/score.ts';
import { loadGpt2TokenizerFromDir } from '../models/tokenizer/tokenizer-node.ts';

describe('GPU buffer pool', () => {
  it('reuses released buffers, zeroed, and counts what it creates', async () => {
    const ctx = await nodeGpuContext();
    ctx.countWork();
    const a = ctx.upload(Float32Array.from({ length: 37 }, (_, i) => i + 1), [37]);
    ctx.release(a);
    ctx.flush();
    const before = ctx.snapshotCounters();
    const b = ctx.empty([37], 'f32');
    expect(b.buffer).toBe(a.buffer);
    expect(Array.from(await ctx.downloadF32(b))).toEqual(new Array(37).fill(0));
    const c = ctx.upload(Float32Array.from({ length: 37 }, () => 5), [37]);
    expect(Array.from(await ctx.downloadF32(c))).toEqual(new Array(37).fill(5));
    ctx.release(b, c);
    ctx.flush();
    const again = ctx.upload(Float32Array.from({ length: 37 }, () => 7), [37]);
    expect(Array.from(await ctx.downloadF32(again))).toEqual(new Array(37).fill(7));
    const d = counterDelta(before, ctx.snapshotCounters());
    // c was new (b held the only free buffer of its size); the staging buffer of the first read is reused by the next two.
    expect(d.buffersCreated).toBe(2);
    expect(d.readbacks).toBe(3);
    expect(d.readbackBytes).toBe(3 * 37 * 4);
    ctx.release(again);
    ctx.flush();
  });

  it('stays within its byte limit', async () => {
    const ctx = await nodeGpuContext();
    const limit = ctx.poolLimitBytes;
    try {
      ctx.poolLimitBytes = 1 << 20;
      ctx.release(ctx.empty([200_000]), ctx.empty([200_000]), ctx.empty([10]));
      ctx.flush();
      expect(ctx.pooledBytes).toBeLessThanOrEqual(1 << 20);
      expect(ctx.pooledBytes).toBeGreaterThan(0);
    } finally {
      ctx.poolLimitBytes = limit;
    }
  });

  it('a v* step and an evaluation batch create no buffers in steady state', async () => {
    const ctx = await nodeGpuContext();
    ctx.countWork();
    const model = await loadGpt2(ctx, dirModelFiles('public/models/tiny-gpt2'));
    const tok = loadGpt2TokenizerFromDir();
    const hp = romeHparams(model.config.nLayer, { v_num_grad_steps: 5 });
    hp.early_stop_loss = -Infinity;
    const snaps: GpuCounters[] = [];
    await computeVStar(model, tok, { prompt: '{} plays the sport of', subject: 'LeBron James', target_new: 'football' }, ['{}', 'I read that {}'], hp, {
      onStep: () => snaps.push(ctx.snapshotCounters()),
    });
    expect(snaps).toHaveLength(5);
    // Steps 2 and 3 (each from the previous report): forward, loss, backward, one read-back.
    for (const k of [2, 3]) {
      const d = counterDelta(snaps[k - 1]!, snaps[k]!);
      expect(d.buffersCreated).toBe(0);
      expect(d.readbacks).toBe(1);
      expect(d.dispatches).toBeGreaterThan(0);
    }

    const texts = ['The quick brown fox jumps over the lazy dog.', 'A second text, a little longer than the first one is.', 'Short.'].map((t) => tok.encode(t));
    await scoreSequences(model, texts, { maxRows: 16 }); // packed: 13 | 10 + 2 tokens, two passes
    const c0 = ctx.snapshotCounters();
    let batches = 0;
    await scoreSequences(model, texts, { maxRows: 16, onProgress: () => batches++ });
    const d = counterDelta(c0, ctx.snapshotCounters());
    expect(batches).toBeGreaterThan(1);
    expect(d.buffersCreated).toBe(0);
    expect(d.readbacks).toBe(batches);
  }, 300_000); // a v* run and two scorings on SwiftShader: minutes on a loaded CPU
});
