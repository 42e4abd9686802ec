// Key statistics cached in IndexedDB (the browser lab). One record per key, holding
// the matrix as an ArrayBuffer next to its dim, count and meta, written by a single
// put in a single readwrite transaction: IndexedDB commits a transaction whole or
// aborts it whole, so a closed tab or a quota error never leaves half an entry.
import { checkStats, statsKeyId, type StatsKey, type StatsMeta, type StatsStore, type StoredStats } from './stats-cache.ts';

const DEFAULT_DB = 'butterfly-lab-stats';
const STORE = 'stats';
const VERSION = 1;

interface StatsRecord {
  id: string;
  dim: number;
  count: number;
  dtype: 'float32' | 'float64';
  matrix: ArrayBuffer;
  meta?: StatsMeta;
}

export interface IdbStatsStoreOptions {
  dbName?: string;
  /** Default: globalThis.indexedDB (tests pass fake-indexeddb's). */
  factory?: IDBFactory;
}

export class IdbStatsStore implements StatsStore {
  private db: Promise<IDBDatabase> | null = null;
  private readonly dbName: string;
  private readonly factory: IDBFactory | undefined;

  constructor(options: IdbStatsStoreOptions = {}) {
    this.dbName = options.dbName ?? DEFAULT_DB;
    this.factory = options.factory ?? globalThis.indexedDB;
  }

  async get(key: StatsKey): Promise<StoredStats | null> {
    const id = statsKeyId(key);
    const db = await this.open();
    const record = await request<StatsRecord | undefined>(db.transaction(STORE, 'readonly').objectStore(STORE).get(id));
    if (!record) return null;
    const itemSize = record.dtype === 'float64' ? 8 : 4;
    if (record.matrix.byteLength !== record.dim * record.dim * itemSize) return null;
    const matrix = record.dtype === 'float64' ? new Float64Array(record.matrix) : new Float32Array(record.matrix);
    return { matrix, dim: record.dim, count: record.count, ...(record.meta ? { meta: record.meta } : {}) };
  }

  async put(key: StatsKey, stats: StoredStats): Promise<void> {
    const id = statsKeyId(key);
    checkStats(stats);
    const { matrix } = stats;
    const record: StatsRecord = {
      id,
      dim: stats.dim,
      count: stats.count,
      dtype: matrix instanceof Float64Array ? 'float64' : 'float32',
      // Exactly the matrix's bytes (it may be a view on a larger buffer).
      matrix: matrix.buffer.slice(matrix.byteOffset, matrix.byteOffset + matrix.byteLength) as ArrayBuffer,
      ...(stats.meta ? { meta: { ...stats.meta } } : {}),
    };
    const db = await this.open();
    const tx = db.transaction(STORE, 'readwrite');
    tx.objectStore(STORE).put(record);
    await committed(tx);
  }

  /** Close the connection (tests; a page that wants to delete the database). */
  async close(): Promise<void> {
    const db = this.db;
    this.db = null;
    if (db) (await db.catch(() => null))?.close();
  }

  private open(): Promise<IDBDatabase> {
    if (!this.db) {
      const factory = this.factory;
      if (!factory) return Promise.reject(new Error('IndexedDB is not available here'));
      this.db = new Promise<IDBDatabase>((resolve, reject) => {
        const req = factory.open(this.dbName, VERSION);
        req.onupgradeneeded = () => {
          if (!req.result.objectStoreNames.contains(STORE)) req.result.createObjectStore(STORE, { keyPath: 'id' });
        };
        req.onsuccess = () => {
          const db = req.result;
          // Another tab upgrading the schema: step aside rather than block it.
          db.onversionchange = () => {
            db.close();
            this.db = null;
          };
          resolve(db);
        };
        req.onerror = () => reject(req.error ?? new Error(`IndexedDB: cannot open ${this.dbName}`));
        req.onblocked = () => reject(new Error(`IndexedDB: ${this.dbName} is blocked by another tab's open connection`));
      });
      this.db.catch(() => (this.db = null)); // let a later call retry
    }
    return this.db;
  }
}

function request<T>(req: IDBRequest): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result as T);
    req.onerror = () => reject(req.error ?? new Error('IndexedDB request failed'));
  });
}

function committed(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error ?? new Error('IndexedDB transaction failed'));
    tx.onabort = () => reject(tx.error ?? new Error('IndexedDB transaction aborted'));
  });
}
