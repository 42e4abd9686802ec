import { describe, expect, it } from 'vitest';
import { causalTrace, embeddingStd, tokenGroups, traceCase, type TraceCase } from '../models/editing/causal-trace.ts';
import { gpt2ForwardF64 } from '../models/reference/gpt2.ts';
import { loadReferenceGpt2FromDir } from '../models/reference/gpt2-node.ts';

const { config, weights } = loadReferenceGpt2FromDir();
const ids = [464, 3290, 318, 257, 1332, 286, 262];
// The random model "knows" whatever it predicts: take its own top-1 as the answer.
const target = gpt2ForwardF64(config, weights, ids).argmax[ids.length - 1]!;
const c: TraceCase = { ids, subjectStart: 1, subjectEnd: 3, target };
const L = config.nLayer;
const T = ids.length;

describe('causal trace', () => {
  const noiseStd = 3 * embeddingStd(config, weights, ids.slice(1, 3));
  const r = traceCase(config, weights, c, { samples: 2, noiseStd, seed: 7 });

  it('matches the float64 forward on the clean prompt', () => {
    const f = gpt2ForwardF64(config, weights, ids);
    const pRef = Math.exp(-(f.logsumexp[T - 1]! - logitOf(f.finalHidden, T - 1, target)));
    expect(r.known).toBe(true);
    expect(r.pClean).toBeCloseTo(pRef, 12);
  });

  it('restoring the last block output at the last token gives back the clean probability', () => {
    expect(r.hidden[L - 1]![T - 1]).toBeCloseTo(r.pClean, 12);
  });

  it('restoring the last block output at an earlier token changes nothing', () => {
    for (let t = 0; t < T - 1; t++) expect(r.hidden[L - 1]![t]).toBeCloseTo(r.pCorrupt, 12);
  });

  it('restoring before the subject (token 0, layer 0) changes nothing: the noise is only on the subject', () => {
    expect(r.hidden[0]![0]).toBeCloseTo(r.pCorrupt, 12);
  });

  it('noise lowers the probability and restoration brings it back somewhere', () => {
    expect(r.pCorrupt).not.toBeCloseTo(r.pClean, 6);
    expect(Math.max(...r.hidden.flat())).toBeGreaterThan(r.pCorrupt);
  });

  it('groups tokens as ROME does, a one-token subject being first and last', () => {
    expect([0, 1, 2, 3, 4, 5, 6].map((t) => tokenGroups(t, c))).toEqual([[], [0], [2], [3], [4], [4], [5]]);
    expect(tokenGroups(2, { ids, subjectStart: 2, subjectEnd: 3 })).toEqual([0, 2]);
  });

  it('skips facts the model does not rank first, and averages the rest', () => {
    const unknown = { ...c, target: (target + 1) % config.vocabSize };
    const s = causalTrace(config, weights, [c, unknown], { samples: 1, noiseStd, seed: 1 });
    expect(s.cases + s.skipped).toBe(2);
    expect(s.skipped).toBeGreaterThanOrEqual(1);
    expect(s.mlp).toHaveLength(6);
    expect(s.mlp[0]).toHaveLength(L);
  });
});

function logitOf(hf: Float64Array, t: number, v: number): number {
  const d = config.nEmbd;
  const wte = weights.get('wte.weight')!;
  let dot = 0;
  for (let i = 0; i < d; i++) dot += hf[t * d + i]! * wte[v * d + i]!;
  return dot;
}
