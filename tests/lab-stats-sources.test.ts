// Key statistics from ROME's published .npz format through the Lab, and
// ROME without mom2 adjustment (u = k*/‖k*‖).
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { nodeLabEnv } from '../cli/node-env.ts';
import { prepareRequest } from '../models/editing/prepared.ts';
import { computeRomeUpdate } from '../models/editing/rome.ts';
import { romeHparams } from '../models/editing/rome-hparams.ts';
import { MemoryStatsStore } from '../models/editing/stats-cache.ts';
import { nodeGpuContext } from '../models/gpu/node-gpu.ts';
import { dirModelFiles } from '../models/gpt2/load-node.ts';
import { Lab } from '../models/lab.ts';
import { loadGpt2TokenizerFromDir } from '../models/tokenizer/tokenizer-node.ts';
import { relL2 } from './helpers/compare.ts';
import { f64Bytes, i64Bytes, npyBytes, zipBytes } from './helpers/npz-writer.ts';

const rome = JSON.parse(readFileSync('tests/fixtures/tiny-gpt2/rome.json', 'utf8'));
const templates: string[] = rome.context_templates.map((c: { template: string }) => c.template);

describe('statistics sources', () => {
  it('reads C from a ROME layer_stats .npz (mom2.mom2 / mom2.count) and edits with it', async () => {
    const n = rome.covariance.n_tokens;
    const mom2 = (rome.covariance.C.flat() as number[]).map((x) => x * n);
    const npz = await zipBytes([
      { name: 'mom2.mom2.npy', data: npyBytes({ descr: '<f8', shape: [256, 256], bytes: f64Bytes(mom2) }) },
      { name: 'mom2.count.npy', data: npyBytes({ descr: '<i8', shape: [], bytes: i64Bytes([n]) }) },
    ]);
    const file = join(mkdtempSync(join(tmpdir(), 'lab-npz-')), 'stats.npz');
    writeFileSync(file, npz);
    const lab = new Lab(await nodeGpuContext(), nodeLabEnv({ statsStore: new MemoryStatsStore() }));
    await lab.loadModel(dirModelFiles('public/models/tiny-gpt2'));
    const settings = { method: { name: 'rome' as const, layer: 1, v_num_grad_steps: 1, context_templates: templates }, mode: 'sequential' as const, eval: { texts: ['A short text to score.'] } };
    await lab.configure({ ...settings, stats: { npz: file } });
    const step = await lab.applyEdit(rome.request);
    // The denominator k_u·u depends on C through u only (v* is not involved).
    expect(Math.abs(step.diagnostics.denominator / rome.variants.rome.denominator - 1)).toBeLessThan(1e-4);

    await lab.configure({ ...settings, stats: { npz: join(file, '..', 'missing.npz') } });
    await expect(lab.applyEdit(rome.request)).rejects.toThrow(/missing\.npz/);
    expect(lab.stepList).toHaveLength(1);

    // One file is one layer: a file named for layer 1 is never used for layer 2; "{layer}" names one per layer.
    const named = join(file, '..', 'layer1_mom2.npz');
    writeFileSync(named, npz);
    await lab.configure({ ...settings, method: { ...settings.method, layer: 2 }, stats: { npz: named } });
    await expect(lab.applyEdit(rome.request)).rejects.toThrow(/holds the statistics of layer 1, not of layer 2/);
    await lab.configure({ ...settings, stats: { npz: join(file, '..', 'layer{layer}_mom2.npz') } });
    const again = await lab.applyEdit(rome.request);
    expect(again.diagnostics.denominator).toBeCloseTo(step.diagnostics.denominator, 6);
  }, 600_000); // load-bound: under 14 s of CPU for the whole file, 293 s of wall for this test on a loaded machine (limit 120 s)

  it('without mom2 adjustment the left vector is k*/‖k*‖', async () => {
    const lab = new Lab(await nodeGpuContext(), nodeLabEnv({ statsStore: null }));
    await lab.loadModel(dirModelFiles('public/models/tiny-gpt2'));
    const model = lab.currentModel();
    const hp = romeHparams(model.config.nLayer, { layer: 1, v_num_grad_steps: 1, mom2_adjustment: false });
    const up = await computeRomeUpdate(model, prepareRequest(loadGpt2TokenizerFromDir(), rome.request), templates, hp, null, 'rome');
    const norm = Math.hypot(...rome.k_star);
    expect(relL2(up.u, rome.k_star.map((x: number) => x / norm))).toBeLessThan(1e-5);
  });
});
