import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpSource, hubFileUrl } from '../models/io/http-source.ts';
import { MemoryCache, startHubServer, type HubServer } from './helpers/hub-server.ts';

const data = Uint8Array.from({ length: 1000 }, (_, i) => i % 251);

describe('HttpSource over the hub URL layout', () => {
  let hub: HubServer;
  let plain: HubServer;
  beforeAll(async () => {
    hub = await startHubServer({ '/org/model/resolve/main/model.safetensors': data });
    plain = await startHubServer({ '/org/model/resolve/main/model.safetensors': data }, { ignoreRange: true });
  });
  afterAll(async () => {
    await hub.close();
    await plain.close();
  });

  it('builds hub URLs and refuses things that are not model ids', () => {
    expect(hubFileUrl('openai-community/gpt2', 'config.json')).toBe('https://huggingface.co/openai-community/gpt2/resolve/main/config.json');
    expect(hubFileUrl('gpt2', 'config.json', 'http://127.0.0.1:9/')).toBe('http://127.0.0.1:9/gpt2/resolve/main/config.json');
    expect(() => hubFileUrl('../etc/passwd', 'x')).toThrow(/not a Hugging Face model id/);
    expect(() => hubFileUrl('a/b/c', 'x')).toThrow(/not a Hugging Face model id/);
  });

  it('reads exact ranges with Range requests and caches them', async () => {
    const cache = new MemoryCache();
    const url = hubFileUrl('org/model', 'model.safetensors', hub.base);
    const src = new HttpSource(url, { cache });
    expect(await src.size()).toBe(1000);
    expect(Array.from(await src.read(500, 4))).toEqual([500 % 251, 501 % 251, 502 % 251, 503 % 251]);
    expect(src.lastReadFrom).toBe('network');
    expect(hub.requests.at(-1)?.range).toBe('bytes=500-503');
    const before = hub.requests.length;
    const again = new HttpSource(url, { cache });
    expect(Array.from(await again.read(500, 4))).toEqual([500 % 251, 501 % 251, 502 % 251, 503 % 251]);
    expect(again.lastReadFrom).toBe('cache');
    expect(hub.requests.length).toBe(before); // size and range both from the cache
  });

  it('falls back to one full download when the server ignores Range', async () => {
    const src = new HttpSource(hubFileUrl('org/model', 'model.safetensors', plain.base));
    expect(Array.from(await src.read(998, 2))).toEqual([998 % 251, 999 % 251]);
    expect(Array.from(await src.read(0, 2))).toEqual([0, 1]);
    expect(plain.requests.length).toBe(1);
  });

  it('gives clear errors for missing files and reads past the end', async () => {
    const missing = new HttpSource(hubFileUrl('org/nothing', 'model.safetensors', hub.base));
    await expect(missing.size()).rejects.toThrow(/HTTP 404.*no such model or file/);
    const src = new HttpSource(hubFileUrl('org/model', 'model.safetensors', hub.base));
    await expect(src.read(990, 20)).rejects.toThrow(/truncated/);
  });
});
