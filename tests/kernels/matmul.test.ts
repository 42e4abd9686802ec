import { describe, expect, it } from 'vitest';
import { nodeGpuContext } from '../../models/gpu/node-gpu.ts';
import { MATMUL_CONFIGS, matmul, type MatmulConfig, type MatmulOptions } from '../../models/kernels/matmul.ts';
import { matmulRef } from '../../models/reference/matmul.ts';
import { checked, uploadAs } from '../helpers/gpu-data.ts';
import { expectClose, firstMismatch } from '../helpers/compare.ts';
import { randomArray } from '../helpers/random.ts';

// Tolerance: inputs are uniform in [-1, 1], so an output is a sum of K terms
// of size ≤ 1 and typically |C| ~ sqrt(K)/3. f32 accumulation error grows like
// eps32·sqrt(K)·|C| ≈ 2e-8·K (random walk); atol = 1e-5·sqrt(K) leaves ~10×
// headroom at K = 769, yet a single missing product (|a·b| ~ 0.25) or a
// missing bias (~0.5) is 1000× over it. The f16 variants compare against the
// same half values upcast, so they share the f32 tolerance.
const tol = (K: number) => ({ atol: 1e-5 * Math.sqrt(K), rtol: 1e-5 });

interface Case {
  M: number;
  K: number;
  N: number;
  transA?: boolean;
  transB?: boolean;
  bType?: 'f32' | 'f16';
  bias?: 'f32' | 'f16';
  /** Leading batch: 'both' batched, 'sharedB' (B rank 2), 'sharedA' (A rank 2). */
  batch?: { n: number; mode: 'both' | 'sharedB' | 'sharedA' };
  config?: MatmulConfig;
}

function describeCase(c: Case): string {
  const parts = [`M=${c.M} K=${c.K} N=${c.N}`, `${c.transA ? 'Aᵀ' : 'A'}·${c.transB ? 'Bᵀ' : 'B'}`, `B ${c.bType ?? 'f32'}`];
  if (c.bias) parts.push(`bias ${c.bias}`);
  if (c.batch) parts.push(`batch ${c.batch.n} ${c.batch.mode}`);
  return parts.join(', ');
}

async function runCase(c: Case, seed: number): Promise<void> {
  const ctx = await nodeGpuContext();
  const { M, K, N } = c;
  const nb = c.batch?.n ?? 1;
  const aBatched = c.batch && c.batch.mode !== 'sharedA';
  const bBatched = c.batch && c.batch.mode !== 'sharedB';
  const aMat = c.transA ? [K, M] : [M, K];
  const bMat = c.transB ? [N, K] : [K, N];
  const aShape = aBatched ? [nb, ...aMat] : aMat;
  const bShape = bBatched ? [nb, ...bMat] : bMat;
  const a = uploadAs(ctx, randomArray((aBatched ? nb : 1) * M * K, seed), aShape, 'f32');
  const b = uploadAs(ctx, randomArray((bBatched ? nb : 1) * K * N, seed + 1), bShape, c.bType ?? 'f32');
  const bias = c.bias ? uploadAs(ctx, randomArray(N, seed + 2), [N], c.bias) : undefined;
  const opts: MatmulOptions = { transA: c.transA ?? false, transB: c.transB ?? false };
  if (bias) opts.bias = bias.tensor;
  if (c.config) opts.config = c.config;
  const out = await checked(ctx, () => matmul(ctx, a.tensor, b.tensor, opts));
  expect(out.shape).toEqual(c.batch ? [nb, M, N] : [M, N]);
  const want = matmulRef(a.values, b.values, {
    M,
    N,
    K,
    batch: nb,
    transA: c.transA ?? false,
    transB: c.transB ?? false,
    strideA: aBatched ? M * K : 0,
    strideB: bBatched ? K * N : 0,
    ...(bias ? { bias: bias.values } : {}),
  });
  const { atol, rtol } = tol(K);
  expectClose(await ctx.downloadF32(out), want, atol, rtol, describeCase(c));
  ctx.release(a.tensor, b.tensor, bias?.tensor, out);
}

// Awkward sizes: 1, odd, non-multiples of 4 and of the 64×64 tile, K beyond one K-tile.
const SHAPES: Array<[number, number, number]> = [
  [1, 1, 1],
  [1, 3, 17],
  [3, 17, 1],
  [17, 65, 3],
  [65, 17, 65],
  [64, 64, 64],
  [129, 1, 65],
  [130, 77, 769],
];

describe('matmul kernel', () => {
  let seed = 100;
  for (const [M, K, N] of SHAPES) {
    for (const transB of [false, true]) {
      const c: Case = { M, K, N, transB };
      it(`matches the float64 twin: ${describeCase(c)}`, () => runCase(c, seed++));
    }
  }

  const variants: Case[] = [
    { M: 17, K: 65, N: 33, transA: true },
    { M: 130, K: 77, N: 70, transA: true, transB: true },
    { M: 33, K: 70, N: 65, bias: 'f32' },
    { M: 5, K: 768, N: 769, bType: 'f16', bias: 'f16' }, // GPT-2 Conv1D shape with half weights
    { M: 3, K: 64, N: 769, transB: true, bType: 'f16' }, // tied unembedding with half weights
    { M: 7, K: 19, N: 11, bType: 'f32', bias: 'f16' },
    { M: 9, K: 21, N: 13, bType: 'f16', bias: 'f32', transB: true },
    { M: 7, K: 33, N: 66, bias: 'f32', batch: { n: 3, mode: 'sharedB' } },
    { M: 17, K: 9, N: 70, batch: { n: 3, mode: 'both' } },
    { M: 65, K: 40, N: 5, transB: true, bType: 'f16', batch: { n: 2, mode: 'both' } },
    { M: 6, K: 30, N: 17, batch: { n: 4, mode: 'sharedA' } },
    { M: 13, K: 30, N: 7, transA: true, batch: { n: 3, mode: 'sharedB' } },
    { M: 1, K: 1600, N: 3, transB: true }, // a long K reduction (GPT-2 XL width)
    // The skinny kernels (M ≤ 8 against a wide or long B): ROME's loss rows and generation.
    { M: 3, K: 64, N: 8193, transB: true }, // few rows against a vocabulary chunk
    { M: 8, K: 300, N: 1000, transB: true, bType: 'f16', bias: 'f32' },
    { M: 1, K: 1025, N: 5, transB: true, bias: 'f16' }, // K past one 256-tile, N inside one workgroup
    { M: 5, K: 2049, N: 65 }, // split-K: ∂/∂h = dz · W_vocab
    { M: 8, K: 1500, N: 70, bType: 'f16', bias: 'f32' },
    { M: 2, K: 200, N: 300, bias: 'f16' }, // wide N, short K: split into one partial
    { M: 11, K: 64, N: 777, transB: true, bias: 'f32' }, // ROME's 11 loss rows: 16-row variant
    { M: 13, K: 2056, N: 64, bType: 'f16' }, // 16-row split-K with half weights
    { M: 16, K: 6, N: 513, transB: true, bType: 'f16' }, // K shorter than one vec4 tile
  ];
  for (const c of variants) {
    it(`matches the float64 twin: ${describeCase(c)}`, () => runCase(c, seed++));
  }

  for (const [name, config] of Object.entries(MATMUL_CONFIGS)) {
    // One variant per config keeps pipeline compiles (~1 s each on SwiftShader) down.
    it(`is correct with tile config ${name}`, () => runCase({ M: 130, K: 77, N: 131, bias: 'f32', config }, seed++));
  }

  it('folds more than 65535 workgroups into a 2-D dispatch', async () => {
    // One 4×4 tile per workgroup, so M = 4·65537 needs 65537 workgroups.
    const tiny: MatmulConfig = { tileM: 4, tileN: 4, tileK: 4, threadM: 4, threadN: 4 };
    await runCase({ M: 4 * 65_537, K: 3, N: 2, bias: 'f32', config: tiny }, seed++);
  });

  it('writes into a provided output tensor', async () => {
    const ctx = await nodeGpuContext();
    const a = randomArray(6, 1);
    const b = randomArray(6, 2);
    const out = ctx.empty([2, 2]);
    const got = matmul(ctx, ctx.upload(a, [2, 3]), ctx.upload(b, [3, 2]), { out });
    expect(got).toBe(out);
    expectClose(await ctx.downloadF32(out), matmulRef(a, b, { M: 2, N: 2, K: 3 }), 1e-6, 1e-6);
  });

  it('is caught by the comparison when B is fed transposed or the operands swapped', async () => {
    // Square shapes pass the shape checks, so only the values can tell.
    const ctx = await nodeGpuContext();
    const n = 33;
    const a = randomArray(n * n, 11);
    const b = randomArray(n * n, 12);
    const want = matmulRef(a, b, { M: n, N: n, K: n });
    const { atol, rtol } = tol(n);
    const A = ctx.upload(a, [n, n]);
    const B = ctx.upload(b, [n, n]);
    const right = await ctx.downloadF32(matmul(ctx, A, B));
    expect(firstMismatch(right, want, atol, rtol)).toBeNull();
    const transposed = await ctx.downloadF32(matmul(ctx, A, B, { transB: true }));
    expect(firstMismatch(transposed, want, atol, rtol)).not.toBeNull();
    const swapped = await ctx.downloadF32(matmul(ctx, B, A));
    expect(firstMismatch(swapped, want, atol, rtol)).not.toBeNull();
  });

  it('rejects bad shapes and configs with clear errors', async () => {
    const ctx = await nodeGpuContext();
    const a = ctx.empty([4, 5]);
    expect(() => matmul(ctx, a, ctx.empty([4, 6]))).toThrow(/inner dimensions differ \(5 vs 4\)/);
    expect(() => matmul(ctx, a, ctx.empty([6, 4]), { transB: true })).toThrow(/inner dimensions differ/);
    expect(() => matmul(ctx, ctx.empty([2, 4, 5]), ctx.empty([3, 5, 6]))).toThrow(/batch sizes differ/);
    expect(() => matmul(ctx, a, ctx.empty([5, 6]), { bias: ctx.empty([5]) })).toThrow(/bias is \[5\], want \[6\]/);
    expect(() => matmul(ctx, a, ctx.empty([5, 6], 'u32'))).toThrow(/B must be f32 or f16/);
    expect(() => matmul(ctx, ctx.empty([5]), ctx.empty([5, 6]))).toThrow(/rank 2 or 3/);
    expect(() => matmul(ctx, a, ctx.empty([5, 6]), { out: ctx.empty([4, 5]) })).toThrow(/out is f32 \[4, 5\]/);
    const sq = ctx.empty([5, 5]);
    expect(() => matmul(ctx, sq, ctx.empty([5, 5]), { out: sq })).toThrow(/must not alias/);
    const tooBig = { tileM: 128, tileN: 128, tileK: 64, threadM: 4, threadN: 4 };
    expect(() => matmul(ctx, a, ctx.empty([5, 6]), { config: tooBig })).toThrow(/matmul config/);
    const odd = { tileM: 64, tileN: 64, tileK: 16, threadM: 6, threadN: 4 };
    expect(() => matmul(ctx, a, ctx.empty([5, 6]), { config: odd })).toThrow(/multiples of 4/);
  });
});
