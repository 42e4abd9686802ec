// ROME's top-of-model loss (NLL rows + one KL row) and its gradient with
// respect to the final hidden states, against a float64 CPU computation, and
// that computation against finite differences.
import { describe, expect, it } from 'vitest';
import { nodeGpuContext } from '../models/gpu/node-gpu.ts';
import { loadGpt2 } from '../models/gpt2/load.ts';
import { dirModelFiles } from '../models/gpt2/load-node.ts';
import { vocabLoss, type LossRow } from '../models/gpt2/vocab-loss.ts';
import { loadReferenceGpt2FromDir } from '../models/reference/gpt2-node.ts';
import { relL2 } from './helpers/compare.ts';
import { randomArray } from './helpers/random.ts';

const ref = loadReferenceGpt2FromDir('public/models/tiny-gpt2');
const wte = ref.weights.get('wte.weight')!;
const V = ref.config.vocabSize;
const d = ref.config.nEmbd;

function logSoftmax(h: ArrayLike<number>, off: number): Float64Array {
  const z = new Float64Array(V);
  let m = -Infinity;
  for (let v = 0; v < V; v++) {
    let s = 0;
    for (let j = 0; j < d; j++) s += h[off + j]! * wte[v * d + j]!;
    z[v] = s;
    m = Math.max(m, s);
  }
  let t = 0;
  for (let v = 0; v < V; v++) t += Math.exp(z[v]! - m);
  const lse = m + Math.log(t);
  return z.map((x) => x - lse);
}

/** float64 loss and ∂loss/∂h for the rows, as rome.md defines them. */
function lossRef(h: Float64Array, rows: LossRow[], q: Float64Array) {
  let loss = 0;
  const grad = new Float64Array(h.length);
  for (const r of rows) {
    const lp = logSoftmax(h, r.row * d);
    const dz = new Float64Array(V);
    if (r.kind === 'nll') {
      loss += r.weight * -lp[r.target]!;
      for (let v = 0; v < V; v++) dz[v] = r.weight * (Math.exp(lp[v]!) - (v === r.target ? 1 : 0));
    } else {
      let kl = 0;
      for (let v = 0; v < V; v++) kl += Math.exp(lp[v]!) * (lp[v]! - q[v]!);
      loss += r.weight * kl;
      for (let v = 0; v < V; v++) dz[v] = r.weight * Math.exp(lp[v]!) * (lp[v]! - q[v]! - kl);
    }
    for (let v = 0; v < V; v++) for (let j = 0; j < d; j++) grad[r.row * d + j]! += dz[v]! * wte[v * d + j]!;
  }
  return { loss, grad };
}

describe('v* loss at the unembedding', () => {
  const R = 6;
  const h = Float64Array.from(randomArray(R * d, 11, 1.5));
  const rows: LossRow[] = [
    { row: 1, kind: 'nll', target: 42, weight: 0.25 },
    { row: 4, kind: 'nll', target: 50256, weight: 0.25 },
    { row: 5, kind: 'kl', weight: 0.0625 },
  ];
  const q = logSoftmax(randomArray(d, 12, 1.5), 0);

  it('the float64 gradient agrees with finite differences', () => {
    const { grad } = lossRef(h, rows, q);
    for (const idx of [1 * d + 3, 4 * d + 60, 5 * d + 17]) {
      const eps = 1e-5;
      const hp = h.slice();
      hp[idx]! += eps;
      const hm = h.slice();
      hm[idx]! -= eps;
      const fd = (lossRef(hp, rows, q).loss - lossRef(hm, rows, q).loss) / (2 * eps);
      expect(Math.abs(fd - grad[idx]!)).toBeLessThan(1e-6 + 1e-5 * Math.abs(grad[idx]!));
    }
  });

  it('the GPU loss and gradient match float64, with q taken from the model at iteration 0', async () => {
    const ctx = await nodeGpuContext();
    const model = await loadGpt2(ctx, dirModelFiles('public/models/tiny-gpt2'), { vocabChunkRows: 20000 });
    const hidden = ctx.upload(Float32Array.from(h), [R, d]);
    const q0 = ctx.empty([V], 'f32', 'q');
    // Iteration 0: q is the KL row's own distribution, so KL = 0.
    const first = await vocabLoss(model, hidden, rows, { q: q0, initQ: true });
    expect(first.values[2]).toBe(0);
    const q0host = await ctx.downloadF32(q0);
    expect(relL2(q0host, logSoftmax(h, 5 * d))).toBeLessThan(1e-6);

    const qt = ctx.upload(Float32Array.from(q), [V]);
    const got = await vocabLoss(model, hidden, rows, { q: qt, grad: true });
    const want = lossRef(h, rows, q);
    expect(Math.abs(got.loss - want.loss) / want.loss).toBeLessThan(1e-5);
    const g = await ctx.downloadF32(got.dHidden!);
    expect(relL2(g, want.grad)).toBeLessThan(1e-4);
    // Rows without a loss get no gradient.
    expect(g.slice(0, d).every((x) => x === 0)).toBe(true);
  });

  it('one pass over 13 awkward chunks matches float64 while the running maximum moves between chunks', async () => {
    const CHUNK = 4099;
    const ctx = await nodeGpuContext();
    const model = await loadGpt2(ctx, dirModelFiles('public/models/tiny-gpt2'), { vocabChunkRows: CHUNK });
    expect(model.weights.wte.length).toBe(Math.ceil(V / CHUNK));
    // Rows pointed at late vocabulary entries: their maximum logit lies many chunks after the first.
    const hm = Float64Array.from(randomArray(R * d, 21, 0.3));
    const aim = (row: number, v: number) => {
      let n2 = 0;
      for (let j = 0; j < d; j++) n2 += wte[v * d + j]! ** 2;
      for (let j = 0; j < d; j++) hm[row * d + j]! += (12 * wte[v * d + j]!) / n2;
    };
    aim(0, 49_000);
    aim(3, 26_000);
    const moving: LossRow[] = [
      { row: 0, kind: 'nll', target: 123, weight: 0.3 },
      { row: 2, kind: 'nll', target: 30_000, weight: 0.2 },
      { row: 3, kind: 'kl', weight: 0.125 },
    ];
    for (const r of [0, 3]) {
      const z = logSoftmax(hm, r * d);
      let firstMax = -Infinity;
      for (let v = 0; v < CHUNK; v++) firstMax = Math.max(firstMax, z[v]!);
      let best = 0;
      for (let v = 0; v < V; v++) if (z[v]! > z[best]!) best = v;
      expect(Math.floor(best / CHUNK)).toBeGreaterThan(1);
      expect(z[best]!).toBeGreaterThan(firstMax + 1);
    }
    const hidden = ctx.upload(Float32Array.from(hm), [R, d]);
    const q0 = ctx.empty([V], 'f32', 'q');
    const first = await vocabLoss(model, hidden, moving, { q: q0, initQ: true, grad: true });
    const ref0 = lossRef(hm, moving.filter((r) => r.kind === 'nll'), q);
    expect(first.values[2]).toBe(0);
    expect(Math.abs(first.loss - ref0.loss) / ref0.loss).toBeLessThan(1e-5);
    // Iteration 0: the KL row adds nothing to the gradient.
    expect(relL2(await ctx.downloadF32(first.dHidden!), ref0.grad)).toBeLessThan(1e-4);
    expect(relL2(await ctx.downloadF32(q0), logSoftmax(hm, 3 * d))).toBeLessThan(1e-6);

    const qt = ctx.upload(Float32Array.from(q), [V]);
    const got = await vocabLoss(model, hidden, moving, { q: qt, grad: true });
    const want = lossRef(hm, moving, q);
    expect(Math.abs(got.loss - want.loss) / want.loss).toBeLessThan(1e-5);
    const g = await ctx.downloadF32(got.dHidden!);
    expect(relL2(g, want.grad)).toBeLessThan(1e-4);
    // Each row's gradient on its own (a small row must not hide behind a large one).
    for (const r of [0, 2, 3]) expect(relL2(g.slice(r * d, (r + 1) * d), want.grad.slice(r * d, (r + 1) * d))).toBeLessThan(1e-4);
    expect(g.slice(1 * d, 2 * d).every((x) => x === 0)).toBe(true);
    // Without the gradient: the same values.
    const noGrad = await vocabLoss(model, hidden, moving, { q: qt });
    expect(noGrad.dHidden).toBeUndefined();
    noGrad.values.forEach((v, i) => expect(Math.abs(v - got.values[i]!)).toBeLessThan(1e-9));
  });
});
