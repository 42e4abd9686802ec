// A read-only ZIP archive over a random-access ByteSource: just enough for numpy's
// .npz files (np.savez: STORED; np.savez_compressed: DEFLATE), including the
// ZIP64 records numpy writes. The central directory is read first, so an entry
// is fetched alone (an HTTP Range request, a Blob slice) when asked for.
import type { ByteSource } from './byte-source.ts';

export class ZipError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ZipError';
  }
}

export interface ZipEntry {
  readonly name: string;
  /** 0 = STORED, 8 = DEFLATE; others are refused when read. */
  readonly method: number;
  readonly compressedSize: number;
  readonly size: number;
  readonly crc32: number;
  readonly localHeaderOffset: number;
  readonly encrypted: boolean;
}

const EOCD_SIGNATURE = 0x06054b50;
const EOCD_SIZE = 22;
const ZIP64_LOCATOR_SIGNATURE = 0x07064b50;
const ZIP64_LOCATOR_SIZE = 20;
const ZIP64_EOCD_SIGNATURE = 0x06064b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const LOCAL_SIGNATURE = 0x04034b50;
const LOCAL_HEADER_SIZE = 30;
const MAX_COMMENT = 0xffff;

/** The entries of the archive, from its central directory. */
export async function readZipDirectory(source: ByteSource, signal?: AbortSignal): Promise<ZipEntry[]> {
  const size = await source.size();
  if (size < EOCD_SIZE) throw new ZipError(`${source.name} is not a zip archive (${size} bytes, too short)`);
  const tailLength = Math.min(size, EOCD_SIZE + MAX_COMMENT + ZIP64_LOCATOR_SIZE);
  const tailStart = size - tailLength;
  const tail = await source.read(tailStart, tailLength, signal);
  const view = dataView(tail);
  let eocd = -1;
  for (let p = tail.length - EOCD_SIZE; p >= 0; p--) {
    if (view.getUint32(p, true) === EOCD_SIGNATURE && p + EOCD_SIZE + view.getUint16(p + 20, true) <= tail.length) {
      eocd = p;
      break;
    }
  }
  if (eocd < 0) {
    const head = dataView(await source.read(0, 4, signal));
    const looksLikeZip = head.getUint32(0, true) === LOCAL_SIGNATURE;
    throw new ZipError(
      looksLikeZip
        ? `${source.name} is a truncated zip archive (no end-of-central-directory record)`
        : `${source.name} is not a zip archive (no end-of-central-directory record; a truncated download?)`,
    );
  }
  let count = view.getUint16(eocd + 10, true);
  let cdSize = view.getUint32(eocd + 12, true);
  let cdOffset = view.getUint32(eocd + 16, true);
  if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
    ({ count, cdSize, cdOffset } = await readZip64End(source, tail, tailStart, eocd, size, signal));
  }
  if (cdOffset + cdSize > size) {
    throw new ZipError(`${source.name} is truncated: its central directory ends at byte ${cdOffset + cdSize} of ${size}`);
  }
  const cd = await source.read(cdOffset, cdSize, signal);
  return parseCentralDirectory(cd, count, size, source.name);
}

async function readZip64End(
  source: ByteSource,
  tail: Uint8Array,
  tailStart: number,
  eocd: number,
  size: number,
  signal?: AbortSignal,
): Promise<{ count: number; cdSize: number; cdOffset: number }> {
  const locator = eocd - ZIP64_LOCATOR_SIZE;
  const view = dataView(tail);
  if (locator < 0 || view.getUint32(locator, true) !== ZIP64_LOCATOR_SIGNATURE) {
    throw new ZipError(`${source.name}: ZIP64 sizes announced but the ZIP64 locator is missing`);
  }
  const recordOffset = safeNumber(view.getBigUint64(locator + 8, true), source.name);
  if (recordOffset + 56 > tailStart + locator || recordOffset + 56 > size) {
    throw new ZipError(`${source.name}: ZIP64 end record offset ${recordOffset} is out of range`);
  }
  const record = dataView(await source.read(recordOffset, 56, signal));
  if (record.getUint32(0, true) !== ZIP64_EOCD_SIGNATURE) throw new ZipError(`${source.name}: bad ZIP64 end record signature`);
  return {
    count: safeNumber(record.getBigUint64(32, true), source.name),
    cdSize: safeNumber(record.getBigUint64(40, true), source.name),
    cdOffset: safeNumber(record.getBigUint64(48, true), source.name),
  };
}

function parseCentralDirectory(cd: Uint8Array, count: number, fileSize: number, name: string): ZipEntry[] {
  const view = dataView(cd);
  const decoder = new TextDecoder('utf-8', { fatal: false });
  const entries: ZipEntry[] = [];
  let p = 0;
  for (let i = 0; i < count; i++) {
    if (p + 46 > cd.length || view.getUint32(p, true) !== CENTRAL_SIGNATURE) {
      throw new ZipError(`${name}: central directory entry ${i} of ${count} is corrupt`);
    }
    const flags = view.getUint16(p + 8, true);
    const method = view.getUint16(p + 10, true);
    const crc32 = view.getUint32(p + 16, true);
    let compressedSize = view.getUint32(p + 20, true);
    let size = view.getUint32(p + 24, true);
    const nameLength = view.getUint16(p + 28, true);
    const extraLength = view.getUint16(p + 30, true);
    const commentLength = view.getUint16(p + 32, true);
    let localHeaderOffset = view.getUint32(p + 42, true);
    const end = p + 46 + nameLength + extraLength + commentLength;
    if (end > cd.length) throw new ZipError(`${name}: central directory entry ${i} runs past the directory`);
    const entryName = decoder.decode(cd.subarray(p + 46, p + 46 + nameLength));
    // ZIP64 extra field (id 1): the 64-bit values, present only for the fields that hold 0xffffffff.
    const extraEnd = p + 46 + nameLength + extraLength;
    for (let e = p + 46 + nameLength; e + 4 <= extraEnd; ) {
      const id = view.getUint16(e, true);
      const length = view.getUint16(e + 2, true);
      if (id === 1) {
        let q = e + 4;
        const next = (): number => {
          if (q + 8 > e + 4 + length) throw new ZipError(`${name}: ZIP64 extra field of "${entryName}" is too short`);
          const v = safeNumber(view.getBigUint64(q, true), name);
          q += 8;
          return v;
        };
        if (size === 0xffffffff) size = next();
        if (compressedSize === 0xffffffff) compressedSize = next();
        if (localHeaderOffset === 0xffffffff) localHeaderOffset = next();
      }
      e += 4 + length;
    }
    if (localHeaderOffset + LOCAL_HEADER_SIZE + compressedSize > fileSize) {
      throw new ZipError(`${name} is truncated: entry "${entryName}" ends past the end of the file`);
    }
    entries.push({ name: entryName, method, compressedSize, size, crc32, localHeaderOffset, encrypted: (flags & 1) !== 0 });
    p = end;
  }
  return entries;
}

/** The uncompressed bytes of one entry, checked against its size and CRC-32. */
export async function readZipEntry(source: ByteSource, entry: ZipEntry, signal?: AbortSignal): Promise<Uint8Array> {
  const where = `${source.name}: "${entry.name}"`;
  if (entry.encrypted) throw new ZipError(`${where} is encrypted`);
  if (entry.method !== 0 && entry.method !== 8) {
    throw new ZipError(`${where} uses compression method ${entry.method}; only STORED (0) and DEFLATE (8) are supported`);
  }
  const local = dataView(await source.read(entry.localHeaderOffset, LOCAL_HEADER_SIZE, signal));
  if (local.getUint32(0, true) !== LOCAL_SIGNATURE) throw new ZipError(`${where}: bad local header signature`);
  const dataStart = entry.localHeaderOffset + LOCAL_HEADER_SIZE + local.getUint16(26, true) + local.getUint16(28, true);
  const raw = await source.read(dataStart, entry.compressedSize, signal);
  let data: Uint8Array;
  if (entry.method === 0) {
    if (entry.compressedSize !== entry.size) throw new ZipError(`${where}: stored entry has sizes ${entry.compressedSize} ≠ ${entry.size}`);
    data = raw;
  } else {
    data = await inflateRaw(raw, entry.size, where);
  }
  if (crc32(data) !== entry.crc32) throw new ZipError(`${where}: CRC-32 mismatch (the file is corrupt)`);
  return data;
}

/** DEFLATE via the platform's DecompressionStream (browsers; Node ≥ 18), into a buffer of the declared size. */
async function inflateRaw(compressed: Uint8Array, size: number, where: string): Promise<Uint8Array> {
  if (typeof DecompressionStream === 'undefined') throw new ZipError(`${where} is DEFLATE-compressed and this runtime has no DecompressionStream`);
  const out = new Uint8Array(size);
  let filled = 0;
  try {
    const input = new Blob([compressed as Uint8Array<ArrayBuffer>]).stream();
    const reader = input.pipeThrough(new DecompressionStream('deflate-raw')).getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (filled + value.length > size) {
        await reader.cancel();
        throw new ZipError(`${where} inflates to more than its declared ${size} bytes`);
      }
      out.set(value, filled);
      filled += value.length;
    }
  } catch (e) {
    if (e instanceof ZipError) throw e;
    throw new ZipError(`${where}: DEFLATE data is corrupt or truncated (${e instanceof Error ? e.message : String(e)})`);
  }
  if (filled !== size) throw new ZipError(`${where} inflates to ${filled} bytes, not its declared ${size}`);
  return out;
}

let crcTable: Uint32Array | null = null;

/** CRC-32 (IEEE 802.3, as ZIP uses), table-driven. */
export function crc32(bytes: Uint8Array): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  const table = crcTable;
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = table[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function dataView(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function safeNumber(v: bigint, name: string): number {
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new ZipError(`${name}: a ZIP64 size or offset (${v}) is too large`);
  return Number(v);
}
