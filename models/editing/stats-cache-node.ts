// Key statistics cached as files (Node: the CLI, benchmarks, tests). Each entry is
// one file, written to a temporary name in the same directory, synced, then renamed
// into place: rename is atomic, so a crash or a full disk leaves either the old
// entry or the new one, never half of one. Stray temporary files are not entries.
//
// File layout: "BFLSTAT1", u32 LE header length, a JSON header (format, key, dim,
// count, dtype, meta) padded with spaces so the matrix starts 8-byte aligned, then
// the matrix as little-endian float32/float64, row-major.
import * as nodeFs from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkStats, statsKeyId, type StatsKey, type StatsMeta, type StatsStore, type StoredStats } from './stats-cache.ts';

const MAGIC = 'BFLSTAT1';
const FORMAT = 1;
const WRITE_CHUNK = 64 * 1024 * 1024;

/** The part of node:fs/promises the store uses; tests pass a faulty one. */
export interface StatsFs {
  mkdir(path: string, options: { recursive: true }): Promise<unknown>;
  open(path: string, flags: 'wx'): Promise<StatsFileHandle>;
  rename(from: string, to: string): Promise<void>;
  rm(path: string, options: { force: true }): Promise<void>;
  readFile(path: string): Promise<Uint8Array>;
}

export interface StatsFileHandle {
  write(data: Uint8Array, offset: number, length: number, position: number): Promise<{ bytesWritten: number }>;
  sync(): Promise<void>;
  close(): Promise<void>;
}

export interface NodeStatsStoreOptions {
  /** Default: $BUTTERFLY_CACHE/stats, else .cache/stats/ in the project root. */
  dir?: string;
  fs?: StatsFs;
}

/** Where entries go unless told otherwise. */
export function defaultStatsDir(env: Readonly<Record<string, string | undefined>> = process.env): string {
  const root = env.BUTTERFLY_CACHE;
  if (root) return join(root, 'stats');
  return fileURLToPath(new URL('../../.cache/stats', import.meta.url));
}

interface FileHeader {
  format: number;
  key: string;
  dim: number;
  count: number;
  dtype: 'float32' | 'float64';
  meta?: StatsMeta;
}

export class NodeStatsStore implements StatsStore {
  readonly dir: string;
  private readonly fs: StatsFs;

  constructor(options: NodeStatsStoreOptions = {}) {
    this.dir = options.dir ?? defaultStatsDir();
    this.fs = options.fs ?? (nodeFs as unknown as StatsFs);
  }

  /** The entry's file: a readable prefix plus a hash of the whole key (the header holds the key itself). */
  fileFor(key: StatsKey): string {
    const id = statsKeyId(key);
    const slug = `${key.modelId}-L${key.layer}-${key.corpusId}-N${key.tokenCount}-${key.mom2Dtype}`.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 120);
    return join(this.dir, `${slug}-${fnv1a(id)}.stats`);
  }

  async get(key: StatsKey): Promise<StoredStats | null> {
    let bytes: Uint8Array;
    try {
      bytes = await this.fs.readFile(this.fileFor(key));
    } catch (e) {
      if ((e as { code?: string }).code === 'ENOENT') return null;
      throw e;
    }
    // A file that does not parse, or holds another key (a hash collision), is a miss.
    return decodeEntry(bytes, statsKeyId(key));
  }

  async put(key: StatsKey, stats: StoredStats): Promise<void> {
    const id = statsKeyId(key);
    checkStats(stats);
    const final = this.fileFor(key);
    const temp = `${final}.${process.pid}-${Math.random().toString(36).slice(2)}.tmp`;
    const header = encodeHeader({
      format: FORMAT,
      key: id,
      dim: stats.dim,
      count: stats.count,
      dtype: stats.matrix instanceof Float64Array ? 'float64' : 'float32',
      meta: stats.meta,
    });
    const matrix = new Uint8Array(stats.matrix.buffer, stats.matrix.byteOffset, stats.matrix.byteLength);
    await this.fs.mkdir(this.dir, { recursive: true });
    try {
      const handle = await this.fs.open(temp, 'wx');
      try {
        let position = await writeAll(handle, header, 0);
        for (let o = 0; o < matrix.length; o += WRITE_CHUNK) {
          position = await writeAll(handle, matrix.subarray(o, Math.min(matrix.length, o + WRITE_CHUNK)), position);
        }
        await handle.sync(); // the data is on disk before the name points at it
      } finally {
        await handle.close();
      }
      await this.fs.rename(temp, final);
    } catch (e) {
      await this.fs.rm(temp, { force: true }).catch(() => undefined);
      throw e;
    }
  }
}

async function writeAll(handle: StatsFileHandle, data: Uint8Array, position: number): Promise<number> {
  let done = 0;
  while (done < data.length) {
    const { bytesWritten } = await handle.write(data, done, data.length - done, position + done);
    if (bytesWritten <= 0) throw new Error('stats cache: write made no progress');
    done += bytesWritten;
  }
  return position + done;
}

function encodeHeader(header: FileHeader): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const length = Math.ceil((12 + json.length) / 8) * 8 - 12; // matrix starts at a multiple of 8
  const out = new Uint8Array(12 + length).fill(0x20);
  out.set(new TextEncoder().encode(MAGIC), 0);
  new DataView(out.buffer).setUint32(8, length, true);
  out.set(json, 12);
  return out;
}

function decodeEntry(bytes: Uint8Array, id: string): StoredStats | null {
  if (bytes.length < 12 || new TextDecoder().decode(bytes.subarray(0, 8)) !== MAGIC) return null;
  const length = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(8, true);
  if (12 + length > bytes.length) return null;
  let header: FileHeader;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + length))) as FileHeader;
  } catch {
    return null;
  }
  if (header.format !== FORMAT || header.key !== id || !Number.isSafeInteger(header.dim)) return null;
  const itemSize = header.dtype === 'float64' ? 8 : header.dtype === 'float32' ? 4 : 0;
  const start = 12 + length;
  if (!itemSize || bytes.length - start !== header.dim * header.dim * itemSize) return null; // truncated or padded
  let body = bytes.subarray(start);
  if ((bytes.byteOffset + start) % itemSize !== 0) body = body.slice();
  const matrix =
    itemSize === 8
      ? new Float64Array(body.buffer, body.byteOffset, body.length / 8)
      : new Float32Array(body.buffer, body.byteOffset, body.length / 4);
  return { matrix, dim: header.dim, count: header.count, ...(header.meta ? { meta: header.meta } : {}) };
}

/** 32-bit FNV-1a of a string's UTF-16 code units, as 8 hex digits: a short, stable file-name tag. */
function fnv1a(s: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}
