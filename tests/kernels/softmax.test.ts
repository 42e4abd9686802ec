import { describe, expect, it } from 'vitest';
import { nodeGpuContext } from '../../models/gpu/node-gpu.ts';
import { softmax } from '../../models/kernels/softmax.ts';
import { softmaxRef } from '../../models/reference/softmax.ts';
import { checked } from '../helpers/gpu-data.ts';
import { expectClose } from '../helpers/compare.ts';
import { randomArray } from '../helpers/random.ts';

// Tolerance: each probability is exp(x - max)/sum; exp is good to a few ulp
// at these arguments and the f32 row sum to ~1e-6 relative, so 1e-5 relative
// holds with headroom; atol 1e-9 only covers entries that underflow.
const ATOL = 1e-9;
const RTOL = 1e-5;

describe('softmax kernel', () => {
  const cases: Array<[rows: number, n: number, scale: number]> = [
    [1, 1, 1],
    [3, 17, 1],
    [65, 3, 4],
    [2, 769, 5],
    [4, 1000, 100], // logits far beyond exp's range: only max-subtraction keeps them finite
    [1, 50_257, 8], // GPT-2's vocabulary
    [3, 257, 0], // all equal: uniform
  ];
  for (const [rows, n, scale] of cases) {
    it(`matches the float64 twin: rows=${rows} n=${n} scale=${scale}`, async () => {
      const ctx = await nodeGpuContext();
      const x = randomArray(rows * n, rows * 31 + n, scale).map((v) => v + 3);
      const out = await checked(ctx, () => softmax(ctx, ctx.upload(x, [rows, n])));
      const got = await ctx.downloadF32(out);
      expectClose(got, softmaxRef(x, n), ATOL, RTOL, `softmax ${rows}×${n}`);
    });
  }

  it('normalises over the last dim of a rank-3 tensor', async () => {
    const ctx = await nodeGpuContext();
    const x = randomArray(2 * 3 * 5, 9, 2);
    const out = await checked(ctx, () => softmax(ctx, ctx.upload(x, [2, 3, 5])));
    expect(out.shape).toEqual([2, 3, 5]);
    expectClose(await ctx.downloadF32(out), softmaxRef(x, 5), ATOL, RTOL);
  });

  it('rejects a mismatched or aliasing output', async () => {
    const ctx = await nodeGpuContext();
    const x = ctx.empty([2, 4]);
    expect(() => softmax(ctx, x, ctx.empty([2, 5]))).toThrow(/does not match/);
    expect(() => softmax(ctx, x, x)).toThrow(/alias/);
  });
});
