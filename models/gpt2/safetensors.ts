// safetensors: an 8-byte little-endian u64 header length N, N bytes of JSON header,
// then the raw little-endian tensor data. The header maps tensor names to
// {dtype, shape, data_offsets: [begin, end]} (offsets relative to the data section)
// and may hold a "__metadata__" string map. We validate everything before any tensor
// is read, because the bytes come from a download or a user's file.

export type SafetensorsDtype =
  | 'F64' | 'F32' | 'F16' | 'BF16'
  | 'I64' | 'I32' | 'I16' | 'I8'
  | 'U64' | 'U32' | 'U16' | 'U8'
  | 'BOOL' | 'F8_E4M3' | 'F8_E5M2';

/** Bytes per element of every dtype the safetensors format defines. */
export const SAFETENSORS_ITEM_SIZE: Readonly<Record<SafetensorsDtype, number>> = {
  F64: 8, F32: 4, F16: 2, BF16: 2,
  I64: 8, I32: 4, I16: 2, I8: 1,
  U64: 8, U32: 4, U16: 2, U8: 1,
  BOOL: 1, F8_E4M3: 1, F8_E5M2: 1,
};

/** Largest header we accept; real headers are kilobytes, so more means a corrupt length. */
export const MAX_HEADER_BYTES = 100 * 1024 * 1024;

export interface SafetensorsTensorInfo {
  name: string;
  dtype: SafetensorsDtype;
  shape: number[];
  numel: number;
  /** Absolute offset of the first byte in the file. */
  byteOffset: number;
  byteLength: number;
}

export interface SafetensorsHeader {
  /** N: the JSON header's length in bytes. */
  headerLength: number;
  /** Absolute offset of the data section (8 + N). */
  dataOffset: number;
  /** Tensors in file order (ascending byteOffset). */
  tensors: SafetensorsTensorInfo[];
  byName: ReadonlyMap<string, SafetensorsTensorInfo>;
  metadata: Record<string, string>;
}

export class SafetensorsError extends Error {
  /** The tensor the problem is about, when there is one. */
  readonly tensor: string | undefined;
  constructor(message: string, tensor?: string) {
    super(tensor === undefined ? `safetensors: ${message}` : `safetensors: tensor "${tensor}": ${message}`);
    this.name = 'SafetensorsError';
    this.tensor = tensor;
  }
}

/**
 * Reads N from the first 8 bytes. `fileSize` bounds it: the header must fit in the file.
 * Exposed separately so a loader can fetch 8 bytes, then 8 + N, then the tensors.
 */
export function readSafetensorsHeaderLength(first8: Uint8Array, fileSize: number): number {
  if (first8.byteLength < 8 || fileSize < 8) {
    throw new SafetensorsError(`file is ${Math.min(first8.byteLength, fileSize)} bytes, too short for the 8-byte header length`);
  }
  const view = new DataView(first8.buffer, first8.byteOffset, 8);
  const low = view.getUint32(0, true);
  const high = view.getUint32(4, true);
  const n = high * 2 ** 32 + low;
  if (high !== 0 || n > MAX_HEADER_BYTES) {
    throw new SafetensorsError(`header length ${n} is larger than the ${MAX_HEADER_BYTES}-byte limit (corrupt or not a safetensors file)`);
  }
  if (n > fileSize - 8) {
    throw new SafetensorsError(`header length ${n} exceeds the ${fileSize - 8} bytes after the length field (file truncated or corrupt)`);
  }
  if (n === 0) throw new SafetensorsError('header length is 0; the header must be a JSON object');
  return n;
}

function isDtype(s: unknown): s is SafetensorsDtype {
  return typeof s === 'string' && Object.prototype.hasOwnProperty.call(SAFETENSORS_ITEM_SIZE, s);
}

function parseTensorEntry(name: string, entry: unknown, dataSize: number, dataOffset: number): SafetensorsTensorInfo {
  const fail = (msg: string): never => {
    throw new SafetensorsError(msg, name);
  };
  if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) fail('entry must be an object {dtype, shape, data_offsets}');
  const e = entry as Record<string, unknown>;

  if (!isDtype(e.dtype)) {
    fail(`unknown dtype ${JSON.stringify(e.dtype)} (expected one of ${Object.keys(SAFETENSORS_ITEM_SIZE).join(', ')})`);
  }
  const dtype = e.dtype as SafetensorsDtype;

  if (!Array.isArray(e.shape)) fail(`shape must be an array of non-negative integers, got ${JSON.stringify(e.shape)}`);
  const shape = e.shape as unknown[];
  let numel = 1;
  for (const s of shape) {
    if (typeof s !== 'number' || !Number.isSafeInteger(s) || s < 0) fail(`shape ${JSON.stringify(shape)} has an invalid dimension ${JSON.stringify(s)}`);
    numel *= s as number;
  }
  if (!Number.isSafeInteger(numel)) fail(`shape ${JSON.stringify(shape)} is too large`);

  const offs = e.data_offsets;
  if (!Array.isArray(offs) || offs.length !== 2 || !offs.every((o) => typeof o === 'number' && Number.isSafeInteger(o) && o >= 0)) {
    fail(`data_offsets must be [begin, end] with non-negative integers, got ${JSON.stringify(offs)}`);
  }
  const [begin, end] = offs as [number, number];
  if (end < begin) fail(`data_offsets [${begin}, ${end}] end before they begin`);
  if (end > dataSize) fail(`data_offsets [${begin}, ${end}] run past the data section (${dataSize} bytes; file truncated?)`);
  const expected = numel * SAFETENSORS_ITEM_SIZE[dtype];
  if (end - begin !== expected) {
    fail(`data_offsets [${begin}, ${end}] hold ${end - begin} bytes, but ${dtype} shape [${shape.join(', ')}] needs ${numel} × ${SAFETENSORS_ITEM_SIZE[dtype]} = ${expected}`);
  }
  return { name, dtype, shape: shape as number[], numel, byteOffset: dataOffset + begin, byteLength: expected };
}

function parseMetadata(raw: unknown): Record<string, string> {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new SafetensorsError('"__metadata__" must be an object of strings');
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
    if (typeof v !== 'string') throw new SafetensorsError(`"__metadata__" value of "${k}" must be a string, got ${JSON.stringify(v)}`);
    out[k] = v;
  }
  return out;
}

/**
 * Parses and validates the header. `bytes` must hold at least the first 8 + N bytes of the
 * file (the whole file is fine); `fileSize` is the full file's size, used to check that every
 * tensor lies inside the file (defaults to bytes.byteLength, i.e. `bytes` is the whole file).
 */
export function parseSafetensorsHeader(bytes: Uint8Array, fileSize: number = bytes.byteLength): SafetensorsHeader {
  const headerLength = readSafetensorsHeaderLength(bytes, fileSize);
  if (bytes.byteLength < 8 + headerLength) {
    throw new SafetensorsError(`need the first ${8 + headerLength} bytes to read the header, got ${bytes.byteLength}`);
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLength));
  } catch {
    throw new SafetensorsError('header is not valid UTF-8');
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new SafetensorsError(`header is not valid JSON (${(e as Error).message})`);
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw new SafetensorsError('header JSON must be an object');

  const dataOffset = 8 + headerLength;
  const dataSize = fileSize - dataOffset;
  let metadata: Record<string, string> = {};
  const tensors: SafetensorsTensorInfo[] = [];
  for (const [name, entry] of Object.entries(json as Record<string, unknown>)) {
    if (name === '__metadata__') metadata = parseMetadata(entry);
    else tensors.push(parseTensorEntry(name, entry, dataSize, dataOffset));
  }

  // Tensors may not share bytes: an edit to one must never change another.
  tensors.sort((a, b) => a.byteOffset - b.byteOffset || a.byteLength - b.byteLength);
  for (let i = 1; i < tensors.length; i++) {
    const prev = tensors[i - 1]!;
    const cur = tensors[i]!;
    if (cur.byteOffset < prev.byteOffset + prev.byteLength) {
      const rel = (t: SafetensorsTensorInfo) => `[${t.byteOffset - dataOffset}, ${t.byteOffset - dataOffset + t.byteLength}]`;
      throw new SafetensorsError(`data_offsets ${rel(cur)} overlap those of "${prev.name}" ${rel(prev)}`, cur.name);
    }
  }
  return { headerLength, dataOffset, tensors, byName: new Map(tensors.map((t) => [t.name, t])), metadata };
}

/** The raw bytes of one tensor (a view, not a copy) from the whole file's bytes. */
export function tensorBytes(file: Uint8Array, info: SafetensorsTensorInfo): Uint8Array {
  if (info.byteOffset + info.byteLength > file.byteLength) {
    throw new SafetensorsError(`bytes ${info.byteOffset}..${info.byteOffset + info.byteLength} lie beyond the ${file.byteLength} bytes given`, info.name);
  }
  return file.subarray(info.byteOffset, info.byteOffset + info.byteLength);
}
