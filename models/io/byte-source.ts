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

/** Bytes at hand (a Blob, memory): the size is known, every range is checked against it. */
class LocalSource implements ByteSource {
  readonly lastReadFrom = 'disk' as const;
  constructor(
    readonly name: string,
    private readonly length: number,
    private readonly slice: (start: number, end: number) => Promise<Uint8Array>,
  ) {}
  async size(): Promise<number> {
    return this.length;
  }
  async read(offset: number, length: number, signal?: AbortSignal): Promise<Uint8Array> {
    signal?.throwIfAborted();
    checkRange(this.name, this.length, offset, length);
    return this.slice(offset, offset + length);
  }
}

/** A File or Blob (dropped or picked files in the browser). */
export class BlobSource extends LocalSource {
  constructor(blob: Blob, name: string) {
    super(name, blob.size, async (start, end) => new Uint8Array(await blob.slice(start, end).arrayBuffer()));
  }
}

/** Bytes already in memory (tests, and servers that ignore Range). */
export class MemorySource extends LocalSource {
  constructor(bytes: Uint8Array, name: string) {
    super(name, bytes.byteLength, async (start, end) => bytes.subarray(start, end));
  }
}
