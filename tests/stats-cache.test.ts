import * as nodeFs from 'node:fs/promises';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IDBFactory } from 'fake-indexeddb';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryStatsStore, statsKeyId, type StatsKey, type StatsStore, type StoredStats } from '../models/editing/stats-cache.ts';
import { IdbStatsStore } from '../models/editing/stats-cache-idb.ts';
import { defaultStatsDir, NodeStatsStore, type StatsFileHandle, type StatsFs } from '../models/editing/stats-cache-node.ts';

const KEY: StatsKey = { modelId: 'gpt2@main', layer: 8, corpusId: 'wikitext-103/train:sample-1', tokenCount: 1280, mom2Dtype: 'float32' };

function stats(dim: number, type: 'f32' | 'f64' = 'f64', seed = 1): StoredStats {
  const matrix = type === 'f64' ? new Float64Array(dim * dim) : new Float32Array(dim * dim);
  for (let i = 0; i < matrix.length; i++) matrix[i] = ((i * 37 + seed) % 101) / 16 - 3;
  return { matrix, dim, count: 1280, meta: { source: 'test', when: '2024-01-01' } };
}

/** Hit, miss and replace behaviour every store must share. */
function behavesAsAStore(make: () => Promise<StatsStore> | StatsStore): void {
  it('misses, then hits with equal contents, in both precisions', async () => {
    const store = await make();
    expect(await store.get(KEY)).toBeNull();
    const s64 = stats(5, 'f64');
    await store.put(KEY, s64);
    const got = await store.get(KEY);
    expect(got?.matrix).toBeInstanceOf(Float64Array);
    expect(got?.matrix).toEqual(s64.matrix);
    expect(got?.dim).toBe(5);
    expect(got?.count).toBe(1280);
    expect(got?.meta).toEqual({ source: 'test', when: '2024-01-01' });

    const key32 = { ...KEY, layer: 9 };
    const s32 = stats(3, 'f32');
    await store.put(key32, s32);
    const got32 = await store.get(key32);
    expect(got32?.matrix).toBeInstanceOf(Float32Array);
    expect(got32?.matrix).toEqual(s32.matrix);
  });

  it('tells keys apart by every field, and replaces an entry on put', async () => {
    const store = await make();
    await store.put(KEY, stats(4));
    for (const other of [
      { ...KEY, modelId: 'gpt2-xl@main' },
      { ...KEY, layer: 7 },
      { ...KEY, corpusId: 'wikitext-103/train:sample-2' },
      { ...KEY, tokenCount: 1281 },
      { ...KEY, mom2Dtype: 'float64' as const },
    ]) {
      expect(await store.get(other)).toBeNull();
    }
    const replacement = stats(4, 'f64', 7);
    await store.put(KEY, replacement);
    expect((await store.get(KEY))?.matrix).toEqual(replacement.matrix);
  });

  it('stores a copy, and refuses inconsistent stats', async () => {
    const store = await make();
    const s = stats(3);
    await store.put(KEY, s);
    s.matrix[0] = 1e9;
    expect((await store.get(KEY))?.matrix[0]).not.toBe(1e9);
    await expect(store.put(KEY, { matrix: new Float64Array(8), dim: 3, count: 1 })).rejects.toThrow(/8 entries, expected dim² = 3²/);
    await expect(store.put({ ...KEY, layer: -1 }, s)).rejects.toThrow(/layer/);
  });
}

describe('stats key', () => {
  it('has one canonical id per key', () => {
    expect(statsKeyId({ ...KEY })).toBe(statsKeyId({ mom2Dtype: 'float32', tokenCount: 1280, corpusId: KEY.corpusId, layer: 8, modelId: 'gpt2@main' }));
    expect(statsKeyId(KEY)).not.toBe(statsKeyId({ ...KEY, corpusId: 'x' }));
  });
});

describe('MemoryStatsStore', () => {
  behavesAsAStore(() => new MemoryStatsStore());
});

describe('IdbStatsStore (fake-indexeddb)', () => {
  behavesAsAStore(() => new IdbStatsStore({ factory: new IDBFactory() }));

  it('persists across connections to the same database', async () => {
    const factory = new IDBFactory();
    const first = new IdbStatsStore({ factory, dbName: 'lab' });
    await first.put(KEY, stats(6));
    await first.close();
    const second = new IdbStatsStore({ factory, dbName: 'lab' });
    expect((await second.get(KEY))?.matrix).toEqual(stats(6).matrix);
    await second.close();
  });

  it('says so when there is no IndexedDB', async () => {
    expect(globalThis.indexedDB).toBeUndefined(); // Node has none unless fake-indexeddb/auto installs it
    await expect(new IdbStatsStore().get(KEY)).rejects.toThrow(/IndexedDB is not available/);
  });
});

describe('NodeStatsStore', () => {
  const dirs: string[] = [];
  const tempDir = async () => {
    const d = await mkdtemp(join(tmpdir(), 'bfl-stats-'));
    dirs.push(d);
    return join(d, 'stats'); // not created yet: put must create it
  };
  afterEach(async () => {
    for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
  });

  behavesAsAStore(async () => new NodeStatsStore({ dir: await tempDir() }));

  it('persists across store instances and leaves exactly one file per entry', async () => {
    const dir = await tempDir();
    await new NodeStatsStore({ dir }).put(KEY, stats(7, 'f32'));
    expect((await new NodeStatsStore({ dir }).get(KEY))?.matrix).toEqual(stats(7, 'f32').matrix);
    const files = await readdir(dir);
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^gpt2_main-L8-wikitext-103_train_sample-1-N1280-float32-[0-9a-f]{8}\.stats$/);
  });

  it('treats a truncated or foreign file as a miss', async () => {
    const dir = await tempDir();
    const store = new NodeStatsStore({ dir });
    await store.put(KEY, stats(5));
    const file = store.fileFor(KEY);
    const bytes = await nodeFs.readFile(file);
    await nodeFs.writeFile(file, bytes.subarray(0, bytes.length - 3));
    expect(await store.get(KEY)).toBeNull();
    await nodeFs.writeFile(file, 'not a stats file');
    expect(await store.get(KEY)).toBeNull();
  });

  /** node:fs/promises, except that writes fail once `budget` bytes have been written. */
  function failingFs(budget: number, opts: { cleanupFails?: boolean } = {}): StatsFs {
    let written = 0;
    return {
      mkdir: (p, o) => nodeFs.mkdir(p, o),
      rename: (a, b) => nodeFs.rename(a, b),
      readFile: (p) => nodeFs.readFile(p),
      rm: async (p, o) => {
        if (opts.cleanupFails) throw new Error('process killed before cleanup');
        await nodeFs.rm(p, o);
      },
      open: async (p, flags) => {
        const real = await nodeFs.open(p, flags);
        const handle: StatsFileHandle = {
          write: async (data, offset, length, position) => {
            const allowed = Math.min(length, budget - written);
            if (allowed <= 0) throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
            const r = await real.write(data, offset, allowed, position); // a short write, then the failure
            written += r.bytesWritten;
            return r;
          },
          sync: () => real.sync(),
          close: () => real.close(),
        };
        return handle;
      },
    };
  }

  it('a write that fails midway leaves no entry and no temporary file', async () => {
    const dir = await tempDir();
    const good = new NodeStatsStore({ dir });
    const broken = new NodeStatsStore({ dir, fs: failingFs(300) });
    await expect(broken.put(KEY, stats(16))).rejects.toThrow(/ENOSPC/);
    expect(await good.get(KEY)).toBeNull();
    expect(await readdir(dir)).toEqual([]);

    // Over an existing entry: the old one survives intact.
    await good.put(KEY, stats(16, 'f64', 1));
    await expect(broken.put(KEY, stats(16, 'f64', 2))).rejects.toThrow(/ENOSPC/);
    expect((await good.get(KEY))?.matrix).toEqual(stats(16, 'f64', 1).matrix);
  });

  it('a write killed before it could clean up leaves only a temporary file, which is not an entry', async () => {
    const dir = await tempDir();
    const crashed = new NodeStatsStore({ dir, fs: failingFs(300, { cleanupFails: true }) });
    await expect(crashed.put(KEY, stats(16))).rejects.toThrow(/ENOSPC/);
    const files = await readdir(dir);
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/\.tmp$/);
    const store = new NodeStatsStore({ dir });
    expect(await store.get(KEY)).toBeNull();
    await store.put(KEY, stats(16));
    expect((await store.get(KEY))?.matrix).toEqual(stats(16).matrix);
  });

  it('defaults to $BUTTERFLY_CACHE/stats, else .cache/stats in the project', () => {
    expect(defaultStatsDir({ BUTTERFLY_CACHE: '/var/cache/bfl' })).toBe('/var/cache/bfl/stats');
    expect(defaultStatsDir({})).toBe(join(process.cwd(), '.cache', 'stats'));
  });
});
