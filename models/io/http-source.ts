// An HTTP file read by byte ranges, each range cached (Cache API in browsers)
// so a second load of the same model comes from disk, not the network.
import { checkRange, SourceError, type ByteSource } from './byte-source.ts';

/** The part of the Cache API we use; absent in Node unless a shim is given. */
export interface RangeCache {
  match(key: string): Promise<Response | undefined>;
  put(key: string, response: Response): Promise<void>;
}

export interface HttpSourceOptions {
  fetch?: typeof fetch;
  cache?: RangeCache | null;
}

export class HttpSource implements ByteSource {
  readonly name: string;
  lastReadFrom: 'network' | 'cache' | 'disk' = 'network';
  private total: number | null = null;
  /** Set when the server ignores Range: the whole body, downloaded once. */
  private whole: Uint8Array | null = null;
  private readonly fetchFn: typeof fetch;
  private readonly cache: RangeCache | null;

  constructor(
    readonly url: string,
    opts: HttpSourceOptions = {},
  ) {
    this.name = url;
    this.fetchFn = opts.fetch ?? ((...a) => fetch(...a));
    this.cache = opts.cache ?? null;
  }

  async size(): Promise<number> {
    if (this.total !== null) return this.total;
    const cached = await this.cache?.match(this.cacheKey('size'));
    if (cached) {
      this.total = Number(await cached.text());
      return this.total;
    }
    // A one-byte range answers with the total in Content-Range.
    const res = await this.get({ Range: 'bytes=0-0' });
    if (res.status === 206) {
      const m = /\/(\d+)\s*$/.exec(res.headers.get('content-range') ?? '');
      await res.arrayBuffer();
      if (!m) throw new SourceError(`${this.url}: the server sent 206 without a usable Content-Range`);
      this.total = Number(m[1]);
    } else {
      this.whole = new Uint8Array(await res.arrayBuffer());
      this.total = this.whole.byteLength;
    }
    await this.cache?.put(this.cacheKey('size'), new Response(String(this.total)));
    return this.total;
  }

  async read(offset: number, length: number, signal?: AbortSignal): Promise<Uint8Array> {
    const size = await this.size();
    checkRange(this.url, size, offset, length);
    if (length === 0) return new Uint8Array(0);
    if (this.whole) {
      this.lastReadFrom = 'disk';
      return this.whole.subarray(offset, offset + length);
    }
    const key = this.cacheKey(`${offset}-${offset + length - 1}`);
    const hit = await this.cache?.match(key);
    if (hit) {
      const bytes = new Uint8Array(await hit.arrayBuffer());
      if (bytes.byteLength === length) {
        this.lastReadFrom = 'cache';
        return bytes;
      }
    }
    const res = await this.get({ Range: `bytes=${offset}-${offset + length - 1}` }, signal);
    let bytes: Uint8Array;
    if (res.status === 206) {
      bytes = new Uint8Array(await res.arrayBuffer());
    } else {
      // Server ignored Range and sent everything: keep it, serve all later reads from memory.
      this.whole = new Uint8Array(await res.arrayBuffer());
      bytes = this.whole.subarray(offset, offset + length);
    }
    if (bytes.byteLength !== length) {
      throw new SourceError(`${this.url} is truncated: asked for ${length} bytes at ${offset}, got ${bytes.byteLength}`);
    }
    this.lastReadFrom = 'network';
    await this.cache?.put(key, new Response(bytes.slice()));
    return bytes;
  }

  private cacheKey(part: string): string {
    // The Cache API ignores URL fragments, so the range goes in the path.
    return `https://butterfly-lab.cache/v1/${encodeURIComponent(this.url)}/${part}`;
  }

  private async get(headers: Record<string, string>, signal?: AbortSignal): Promise<Response> {
    let res: Response;
    try {
      res = await this.fetchFn(this.url, { headers, signal: signal ?? null });
    } catch (e) {
      if (signal?.aborted) throw e;
      throw new SourceError(`could not reach ${this.url}: ${e instanceof Error ? e.message : e}`);
    }
    if (res.status === 416) throw new SourceError(`${this.url}: the requested range is past the end of the file (truncated?)`);
    if (!res.ok) {
      const hint = res.status === 401 || res.status === 403 ? ' (gated or private model?)' : res.status === 404 ? ' (no such model or file)' : '';
      throw new SourceError(`${this.url}: HTTP ${res.status} ${res.statusText}${hint}`);
    }
    return res;
  }
}

/** The Hugging Face hub's file URL layout; `base` is overridable for tests and mirrors. */
export function hubFileUrl(modelId: string, file: string, base = 'https://huggingface.co', revision = 'main'): string {
  if (!/^[\w.-]+(\/[\w.-]+)?$/.test(modelId)) throw new SourceError(`"${modelId}" is not a Hugging Face model id (owner/name)`);
  return `${base.replace(/\/$/, '')}/${modelId}/resolve/${encodeURIComponent(revision)}/${file}`;
}
