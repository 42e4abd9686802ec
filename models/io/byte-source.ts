// Random-access byte sources a model loads from: an HTTP URL (Range requests,
// Cache API), a browser File/Blob, or (byte-source-node.ts) a path in Node.
// The loader reads the safetensors header first, validates it, then reads one
// tensor at a time, so nothing is allocated before the file is known good.

export interface ByteSource {
  /** What to call this source in messages (URL, file name, path). */
  readonly name: string;
  size(): Promise<number>;
  /** Exactly `length` bytes at `offset`, or a clear error (truncated file, HTTP failure). */
  read(offset: number, length: number, signal?: AbortSignal): Promise<Uint8Array>;
  /** Where the last read came from, for progress phases. */
  readonly lastReadFrom?: 'network' | 'cache' | 'disk';
}

export class SourceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SourceError';
  }
}

export function checkRange(name: string, size: number, offset: number, length: number): void {
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0) {
    throw new SourceError(`${name}: invalid byte range ${offset}+${length}`);
  }
  if (offset + length > size) {
    throw new SourceError(`${name} is truncated: bytes ${offset}..${offset + length} requested but the file has ${size} bytes`);
  }
}

/** A File or Blob (dropped or picked files in the browser). */
export class BlobSource implements ByteSource {
  readonly lastReadFrom = 'disk' as const;
  constructor(
    private readonly blob: Blob,
    readonly name: string,
  ) {}
  async size(): Promise<number> {
    return this.blob.size;
  }
  async read(offset: number, length: number, signal?: AbortSignal): Promise<Uint8Array> {
    signal?.throwIfAborted();
    checkRange(this.name, this.blob.size, offset, length);
    return new Uint8Array(await this.blob.slice(offset, offset + length).arrayBuffer());
  }
}

/** Bytes already in memory (tests, and servers that ignore Range). */
export class MemorySource implements ByteSource {
  readonly lastReadFrom = 'disk' as const;
  constructor(
    private readonly bytes: Uint8Array,
    readonly name: string,
  ) {}
  async size(): Promise<number> {
    return this.bytes.byteLength;
  }
  async read(offset: number, length: number, signal?: AbortSignal): Promise<Uint8Array> {
    signal?.throwIfAborted();
    checkRange(this.name, this.bytes.byteLength, offset, length);
    return this.bytes.subarray(offset, offset + length);
  }
}
