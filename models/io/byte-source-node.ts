// A file on disk, for the CLI and tests (Node only).
import { open, stat } from 'node:fs/promises';
import { checkRange, SourceError, type ByteSource } from './byte-source.ts';

export class NodeFileSource implements ByteSource {
  readonly lastReadFrom = 'disk' as const;
  constructor(readonly name: string) {}
  async size(): Promise<number> {
    try {
      return (await stat(this.name)).size;
    } catch {
      throw new SourceError(`${this.name}: no such file`);
    }
  }
  async read(offset: number, length: number, signal?: AbortSignal): Promise<Uint8Array> {
    signal?.throwIfAborted();
    checkRange(this.name, await this.size(), offset, length);
    const fh = await open(this.name, 'r');
    try {
      const buf = new Uint8Array(length);
      let done = 0;
      while (done < length) {
        const { bytesRead } = await fh.read(buf, done, length - done, offset + done);
        if (bytesRead === 0) throw new SourceError(`${this.name} is truncated at byte ${offset + done}`);
        done += bytesRead;
      }
      return buf;
    } finally {
      await fh.close();
    }
  }
}
