// The real hub-loading path (HTTP ranges, Cache API stand-in, header checks)
// against a local server that serves the fixture in the hub's URL layout.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeGpuContext } from '../models/gpu/node-gpu.ts';
import { hubModelFiles, loadGpt2, type LoadProgress } from '../models/gpt2/load.ts';
import { scoreSequences } from '../models/gpt2/score.ts';
import { MemoryCache, startHubServer, type HubServer } from './helpers/hub-server.ts';

const config = readFileSync('public/models/tiny-gpt2/config.json');
const weights = new Uint8Array(readFileSync('public/models/tiny-gpt2/model.safetensors'));
const forward = JSON.parse(readFileSync('tests/fixtures/tiny-gpt2/forward.json', 'utf8'));

function corruptHeader(): Uint8Array {
  const bad = weights.slice();
  // Overwrite the JSON header's first bytes: no longer valid JSON.
  bad.set(new TextEncoder().encode('{"wte.weight": {"dtype": "F32", "shape": [50257'), 8);
  return bad;
}

describe('loading from the Hugging Face hub layout', () => {
  let hub: HubServer;
  beforeAll(async () => {
    const files: Record<string, Uint8Array> = {};
    const put = (id: string, name: string, bytes: Uint8Array) => (files[`/${id}/resolve/main/${name}`] = bytes);
    put('test-org/tiny-gpt2', 'config.json', config);
    put('test-org/tiny-gpt2', 'model.safetensors', weights);
    put('test-org/truncated', 'config.json', config);
    put('test-org/truncated', 'model.safetensors', weights.subarray(0, weights.byteLength - 1000));
    put('test-org/corrupt', 'config.json', config);
    put('test-org/corrupt', 'model.safetensors', corruptHeader());
    put('test-org/bad-config', 'config.json', new TextEncoder().encode('{"model_type": "gpt2", "n_embd": '));
    put('test-org/bad-config', 'model.safetensors', weights);
    hub = await startHubServer(files);
  });
  afterAll(() => hub.close());

  it('loads tensor by tensor with Range requests, reports progress, then hits the cache', async () => {
    const ctx = await nodeGpuContext();
    const cache = new MemoryCache();
    const phases = new Set<string>();
    let last: LoadProgress | null = null;
    const model = await loadGpt2(ctx, hubModelFiles('test-org/tiny-gpt2', { base: hub.base, cache }), {
      onProgress: (p) => {
        phases.add(p.phase);
        last = p;
      },
    });
    expect(hub.requests.filter((r) => r.path.endsWith('model.safetensors')).every((r) => r.range?.startsWith('bytes='))).toBe(true);
    expect(phases).toContain('download');
    expect(last!.loaded).toBe(last!.total);
    const [s] = await scoreSequences(model, [forward.texts[0].ids]);
    expect(Math.abs(s!.nll[0]! - forward.texts[0].nll[0])).toBeLessThan(1e-4);

    const before = hub.requests.length;
    const cachedPhases = new Set<string>();
    await loadGpt2(ctx, hubModelFiles('test-org/tiny-gpt2', { base: hub.base, cache }), { onProgress: (p) => cachedPhases.add(p.phase) });
    expect(cachedPhases).toContain('cache');
    expect(cachedPhases).not.toContain('download');
    // Only config.json is fetched again; every weight byte comes from the cache.
    expect(hub.requests.slice(before).every((r) => r.path.endsWith('config.json'))).toBe(true);
  });

  it('says the file is truncated', async () => {
    const ctx = await nodeGpuContext();
    await expect(loadGpt2(ctx, hubModelFiles('test-org/truncated', { base: hub.base }))).rejects.toThrow(/truncated|out of range|past the end/i);
  });

  it('says the header is corrupt', async () => {
    const ctx = await nodeGpuContext();
    await expect(loadGpt2(ctx, hubModelFiles('test-org/corrupt', { base: hub.base }))).rejects.toThrow(/header/i);
  });

  it('says the config is malformed, and that a missing model does not exist', async () => {
    const ctx = await nodeGpuContext();
    await expect(loadGpt2(ctx, hubModelFiles('test-org/bad-config', { base: hub.base }))).rejects.toThrow(/config/i);
    await expect(loadGpt2(ctx, hubModelFiles('test-org/missing', { base: hub.base }))).rejects.toThrow(/404.*no such model/);
  });

  it('can be cancelled midway', async () => {
    const ctx = await nodeGpuContext();
    const ac = new AbortController();
    const p = loadGpt2(ctx, hubModelFiles('test-org/tiny-gpt2', { base: hub.base }), {
      signal: ac.signal,
      onProgress: (pr) => pr.loaded > 0 && ac.abort(),
    });
    await expect(p).rejects.toThrow(/abort/i);
  });
});
