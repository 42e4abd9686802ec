// A model folder may name its own edit layer (config.json "butterfly_lab.edit_layer",
// picked by causal tracing): the lab's default layer is then that one.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { resolveSpec } from '../models/editing/methods/resolve.ts';
import { gpt2ConfigToJson, parseGpt2Config } from '../models/gpt2/config.ts';
import { defaultMemitLayers, defaultRomeLayer } from '../models/settings-table.ts';

const tiny = JSON.parse(readFileSync('public/models/tiny-gpt2/config.json', 'utf8')) as Record<string, unknown>;

describe("a model's own edit layer", () => {
  it('is read from config.json, kept when the config is written back, and refused out of range', () => {
    const c = parseGpt2Config({ ...tiny, butterfly_lab: { edit_layer: 1 } });
    expect(c.editLayer).toBe(1);
    expect(parseGpt2Config(gpt2ConfigToJson(c)).editLayer).toBe(1);
    expect(parseGpt2Config(tiny).editLayer).toBeUndefined();
    expect(() => parseGpt2Config({ ...tiny, butterfly_lab: { edit_layer: 4 } })).toThrow(/edit_layer.*0\.\.3/);
    expect(() => parseGpt2Config({ ...tiny, butterfly_lab: { edit_layer: 'two' } })).toThrow(/edit_layer/);
  });

  it("becomes ROME's default layer and the end of MEMIT's default span; a stated layer still wins", () => {
    expect(defaultRomeLayer(6)).toBe(2); // 17/48 of the depth without a hint
    expect(defaultRomeLayer(6, 4)).toBe(4);
    expect(defaultMemitLayers(6, 4).at(-1)).toBe(4);
    expect(resolveSpec('rome', { name: 'rome' }, 6, 4).layer).toBe(4);
    expect(resolveSpec('rome', { name: 'rome', layer: 1 }, 6, 4).layer).toBe(1);
    expect(resolveSpec('c-rome', { name: 'c-rome' }, 6).layer).toBe(2);
  });
});
