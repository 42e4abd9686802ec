// numpy's .npy format (versions 1.0, 2.0, 3.0): magic, a Python-dict header with
// descr / fortran_order / shape, then the raw elements. Parsed into typed arrays in
// C order. Only the dtypes key statistics files use are read (floats, int32/64
// counts, bool/uint8, unicode names); pickled objects are refused, never executed.
import { f16BitsToF32 } from '../gpu/half.ts';

export class NpyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NpyError';
  }
}

export type NpyDtype =
  | 'float16'
  | 'float32'
  | 'float64'
  | 'int32'
  | 'int64'
  | 'uint8'
  | 'bool'
  | 'unicode';

export type NpyData =
  | Float32Array
  | Float64Array
  | Int32Array
  | BigInt64Array
  | Uint8Array
  | string[];

export interface NpyArray {
  /** The dtype as the file spells it, e.g. '<f4', '>i8', '<U32'. */
  readonly descr: string;
  readonly dtype: NpyDtype;
  /** [] for a 0-d array (a scalar such as ROME's `mom2.count`). */
  readonly shape: readonly number[];
  /**
   * The elements in C (row-major) order and host byte order: float16 is widened to
   * Float32Array, bool is a Uint8Array of 0/1, strings are JS strings. A little-endian
   * numeric array may be a view on the bytes it was parsed from (no copy).
   */
  readonly data: NpyData;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

interface NumericKind {
  dtype: Exclude<NpyDtype, 'unicode'>;
  itemSize: number;
}

const NUMERIC_KINDS: Readonly<Record<string, NumericKind>> = {
  f2: { dtype: 'float16', itemSize: 2 },
  f4: { dtype: 'float32', itemSize: 4 },
  f8: { dtype: 'float64', itemSize: 8 },
  i4: { dtype: 'int32', itemSize: 4 },
  i8: { dtype: 'int64', itemSize: 8 },
  u1: { dtype: 'uint8', itemSize: 1 },
  b1: { dtype: 'bool', itemSize: 1 },
};

interface Header {
  descr: string;
  fortranOrder: boolean;
  shape: number[];
  dataOffset: number;
}

/** Parse one .npy file held in memory; `name` goes into error messages. */
export function parseNpy(bytes: Uint8Array, name = 'array.npy'): NpyArray {
  const header = parseHeader(bytes, name);
  const { descr, shape } = header;
  const count = shape.reduce((a, b) => a * b, 1);
  if (!Number.isSafeInteger(count)) throw new NpyError(`${name}: shape (${shape.join(', ')}) is too large`);
  const order = descr[0]!;
  const code = '<>|='.includes(order) ? descr.slice(1) : descr;
  const bigEndian = order === '>';

  let data: NpyData;
  let dtype: NpyDtype;
  const kind = NUMERIC_KINDS[code];
  if (kind) {
    dtype = kind.dtype;
    data = numericData(elementBytes(bytes, header, count * kind.itemSize, name), kind, bigEndian);
  } else if (/^U\d+$/.test(code)) {
    dtype = 'unicode';
    const chars = Number(code.slice(1));
    data = stringData(elementBytes(bytes, header, count * 4 * chars, name), count, chars, bigEndian);
  } else if (code === 'O') {
    throw new NpyError(`${name}: dtype '${descr}' holds pickled Python objects, which are not read (allow_pickle is unsafe)`);
  } else {
    throw new NpyError(`${name}: unsupported dtype '${descr}' (read: f2 f4 f8 i4 i8 u1 b1 U<n>, what key statistics files hold)`);
  }
  if (header.fortranOrder && shape.length > 1) data = fortranToC(data, shape);
  return { descr, dtype, shape, data };
}

function parseHeader(bytes: Uint8Array, name: string): Header {
  if (bytes.length < 10 || MAGIC.some((m, i) => bytes[i] !== m)) throw new NpyError(`${name} is not a .npy file (bad magic)`);
  const major = bytes[6]!;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerLength: number;
  let start: number;
  if (major === 1) {
    headerLength = view.getUint16(8, true);
    start = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) throw new NpyError(`${name} is truncated inside its header`);
    headerLength = view.getUint32(8, true);
    start = 12;
  } else {
    throw new NpyError(`${name}: unsupported .npy format version ${major}.${bytes[7]}`);
  }
  if (start + headerLength > bytes.length) throw new NpyError(`${name} is truncated inside its header`);
  // Version 1/2 headers are latin-1 (in practice ASCII); version 3 is UTF-8.
  const text = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(start, start + headerLength));
  if (/['"]descr['"]\s*:\s*\[/.test(text)) throw new NpyError(`${name}: structured dtypes are not supported`);
  const descr = /['"]descr['"]\s*:\s*(['"])(.*?)\1/.exec(text)?.[2];
  const fortran = /['"]fortran_order['"]\s*:\s*(True|False)/.exec(text)?.[1];
  const shapeText = /['"]shape['"]\s*:\s*\(([^)]*)\)/.exec(text)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) {
    throw new NpyError(`${name}: header lacks descr, fortran_order or shape: ${text.trim().slice(0, 200)}`);
  }
  const shape = shapeText
    .split(',')
    .map((s) => s.trim().replace(/L$/, '')) // Python 2 files wrote longs as 3L
    .filter((s) => s.length > 0)
    .map((s) => {
      const v = Number(s);
      if (!/^\d+$/.test(s) || !Number.isSafeInteger(v)) throw new NpyError(`${name}: bad shape (${shapeText})`);
      return v;
    });
  return { descr, fortranOrder: fortran === 'True', shape, dataOffset: start + headerLength };
}

function elementBytes(bytes: Uint8Array, header: Header, length: number, name: string): Uint8Array {
  const end = header.dataOffset + length;
  if (end > bytes.length) {
    throw new NpyError(
      `${name} is truncated: shape (${header.shape.join(', ')}) of '${header.descr}' needs ${length} bytes of data, the file has ${bytes.length - header.dataOffset}`,
    );
  }
  return bytes.subarray(header.dataOffset, end);
}

function numericData(raw: Uint8Array, kind: NumericKind, bigEndian: boolean): NpyData {
  const { itemSize } = kind;
  let bytes = raw;
  if (bigEndian && itemSize > 1) {
    bytes = raw.slice();
    for (let i = 0; i < bytes.length; i += itemSize) bytes.subarray(i, i + itemSize).reverse();
  } else if (raw.byteOffset % itemSize !== 0) {
    bytes = raw.slice(); // typed-array views must be aligned to their element size
  }
  const { buffer, byteOffset } = bytes;
  const n = bytes.length / itemSize;
  switch (kind.dtype) {
    case 'float16': {
      const halves = new Uint16Array(buffer, byteOffset, n);
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = f16BitsToF32(halves[i]!);
      return out;
    }
    case 'float32':
      return new Float32Array(buffer, byteOffset, n);
    case 'float64':
      return new Float64Array(buffer, byteOffset, n);
    case 'int32':
      return new Int32Array(buffer, byteOffset, n);
    case 'int64':
      return new BigInt64Array(buffer, byteOffset, n);
    case 'uint8':
    case 'bool':
      return new Uint8Array(buffer, byteOffset, n);
  }
}

/** Fixed-width UTF-32 strings (ROME's files name their statistic's class in one), trailing NULs dropped as numpy does. */
function stringData(raw: Uint8Array, count: number, chars: number, bigEndian: boolean): string[] {
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const out: string[] = [];
  for (let e = 0; e < count; e++) {
    const codes: number[] = [];
    for (let c = 0; c < chars; c++) {
      codes.push(view.getUint32((e * chars + c) * 4, !bigEndian));
    }
    while (codes.length && codes[codes.length - 1] === 0) codes.pop();
    if (codes.some((c) => c > 0x10ffff)) throw new NpyError(`string element ${e} holds an invalid code point`);
    out.push(String.fromCodePoint(...codes));
  }
  return out;
}

/** Reorder Fortran-order (first index fastest) elements into C order. */
function fortranToC(data: NpyData, shape: readonly number[]): NpyData {
  const rank = shape.length;
  const strides: number[] = []; // Fortran strides, in elements
  let s = 1;
  for (let d = 0; d < rank; d++) {
    strides.push(s);
    s *= shape[d]!;
  }
  const src = data as unknown as { readonly length: number; readonly [i: number]: unknown };
  const out = (Array.isArray(data) ? new Array<string>(data.length) : new (data.constructor as new (n: number) => NpyData)(data.length)) as unknown as {
    [i: number]: unknown;
  };
  const index = new Array<number>(rank).fill(0);
  let f = 0;
  for (let c = 0; c < src.length; c++) {
    out[c] = src[f];
    // Odometer over C order: the last axis turns fastest.
    for (let d = rank - 1; d >= 0; d--) {
      index[d]!++;
      f += strides[d]!;
      if (index[d]! < shape[d]!) break;
      f -= strides[d]! * shape[d]!;
      index[d] = 0;
    }
  }
  return out as unknown as NpyData;
}

/** The elements as float64 numbers (int64 via Number(): exact below 2^53). */
export function npyToFloat64(a: NpyArray): Float64Array {
  const { data } = a;
  if (Array.isArray(data)) throw new NpyError(`a ${a.dtype} array ('${a.descr}') has no numeric value`);
  if (data instanceof BigInt64Array) return Float64Array.from(data, (v) => Number(v));
  return Float64Array.from(data as ArrayLike<number>);
}

/** The single value of a 0-d (or one-element) numeric array, e.g. a count. */
export function npyScalar(a: NpyArray): number {
  if (a.data.length !== 1) throw new NpyError(`expected a scalar, got shape (${a.shape.join(', ')})`);
  return npyToFloat64(a)[0]!;
}
