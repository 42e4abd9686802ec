// MEMIT, AlphaEdit and FT-L∞ on the registry: each resolves its knobs from the
// settings table (defaults per GPT-2 size, the model's bounds), says what it
// needs and how many requests a call takes; the multi-method sweep's knob
// carry-over and its overlaid chart. No GPU: the edits themselves are in
// memit/alphaedit/ft-l.test.ts and lab-methods.test.ts.
import { describe, expect, it } from 'vitest';
import { editMethod, IMPLEMENTED_METHODS } from '../models/editing/methods/registry.ts';
import { progressOf } from '../models/editing/methods/memit.ts';
import { defaultMemitLambda } from '../models/settings-table.ts';
import { methodSpecFor } from '../cli/sweep-methods.ts';
import { methodsSvg } from '../cli/sweep-svg.ts';

describe('registered methods', () => {
  it('are all implemented', () => {
    expect(IMPLEMENTED_METHODS).toEqual(['rome', 'c-rome', 'memit', 'ft-l', 'alphaedit', 'mend']);
  });

  it("MEMIT and AlphaEdit take XL's official config and scaled defaults elsewhere", () => {
    const xl = editMethod('memit').resolve({ name: 'memit' }, 48);
    expect(xl).toMatchObject({ layers: [13, 14, 15, 16, 17], mom2_update_weight: 20000, clamp_norm_factor: 0.75, v_num_grad_steps: 20, batch_size: 1 });
    expect(editMethod('memit').resolve({ name: 'memit' }, 12)).toMatchObject({ layers: [4, 5], mom2_update_weight: 20000 });
    expect(editMethod('memit').resolve({ name: 'memit' }, 4).mom2_update_weight).toBe(defaultMemitLambda(4));
    // A model folder that names its edit layer (causal tracing): MEMIT's span ends there.
    expect(editMethod('memit').resolve({ name: 'memit' }, 12, 7).layers).toEqual([6, 7]);
    expect(editMethod('alphaedit').resolve({ name: 'alphaedit' }, 12, 7).layers).toEqual([6, 7]);
    expect(defaultMemitLambda(4)).toBe(1667);
    const a = editMethod('alphaedit').resolve({ name: 'alphaedit', batch_size: 3 }, 48);
    expect(a).toMatchObject({ layers: [13, 14, 15, 16, 17], nullspace_threshold: 0.02, L2: 10, batch_size: 3 });
    expect(editMethod('alphaedit').needs(a)).toEqual({ statsLayers: [13, 14, 15, 16, 17], templates: true });
    expect(editMethod('alphaedit').batchSize(a)).toBe(3);
    expect(editMethod('memit').needs({ ...xl, context_templates: ['{}'] }).templates).toBe(false);
  });

  it('FT-L∞: layer 0, ε per size, no statistics, one request per call', () => {
    const ft = editMethod('ft-l');
    expect(ft.resolve({ name: 'ft-l' }, 48)).toMatchObject({ layers: [0], lr: 5e-4, num_steps: 25, norm_constraint: 5e-4 });
    expect(ft.resolve({ name: 'ft-l' }, 24).norm_constraint).toBe(2e-3);
    expect(ft.resolve({ name: 'ft-l' }, 36).norm_constraint).toBe(1e-3);
    expect(ft.needs(ft.resolve({ name: 'ft-l' }, 12))).toEqual({ statsLayers: [], templates: false });
    expect(ft.batchSize(ft.resolve({ name: 'ft-l' }, 12))).toBe(1);
  });

  it('refuses layers the model lacks, with the reason', () => {
    expect(() => editMethod('memit').resolve({ name: 'memit', layers: [3, 12] }, 12)).toThrow(/layers/);
    expect(() => editMethod('ft-l').resolve({ name: 'ft-l', layers: [2, 1] }, 12)).toThrow(/ascending/);
  });

  it('reports a MEMIT-style call as one rising fraction', () => {
    const seen: number[] = [];
    const p = progressOf((f) => seen.push(f!), 2);
    p({ stage: 'z', done: 0, total: 1 });
    p({ stage: 'z', done: 1, total: 1 });
    p({ stage: 'keys', done: 0, total: 2 });
    p({ stage: 'solve', done: 0, total: 2 });
    p({ stage: 'solve', done: 0.5, total: 1 });
    p({ stage: 'apply', done: 0, total: 2 });
    p({ stage: 'keys', done: 1, total: 2 });
    p({ stage: 'solve', done: 0.5, total: 1 });
    p({ stage: 'apply', done: 2, total: 2 });
    expect(seen[seen.length - 1]).toBeCloseTo(1);
    seen.forEach((f, i) => i > 0 && expect(f).toBeGreaterThanOrEqual(seen[i - 1]! - 1e-12));
  });
});

describe('lab sweep --methods', () => {
  it('carries only the knobs both methods read alike', () => {
    const spec = { name: 'rome' as const, layer: 3, v_lr: 0.2, clamp_norm_factor: 4, context_templates: ['{}', 'A. {}'] };
    expect(methodSpecFor(spec, 'memit')).toEqual({ name: 'memit', v_lr: 0.2, context_templates: ['{}', 'A. {}'] });
    expect(methodSpecFor(spec, 'ft-l')).toEqual({ name: 'ft-l', context_templates: ['{}', 'A. {}'] });
  });

  it('draws one curve per method with a legend', () => {
    const pts = (k: number) => [0, 1, 2].map((x) => ({ x, mePpl: 10 * (1 + k * x), collapsed: false, tasks: {} }));
    const svg = methodsSvg(
      [
        { label: 'ROME', points: pts(3) },
        { label: 'MEMIT', points: pts(1) },
        { label: 'AlphaEdit', points: pts(0) },
      ],
      { title: 't', threshold: 100, mode: 'sequential' },
    );
    expect(svg.match(/<g data-method=/g)).toHaveLength(3);
    for (const l of ['ROME', 'MEMIT', 'AlphaEdit']) expect(svg).toContain(`>${l}</text>`);
  });
});
