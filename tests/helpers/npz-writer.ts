// Minimal .npy and .npz writers for tests: numpy's on-disk layout (npy v1/v2
// header padded to 64 bytes; ZIP with STORED or DEFLATE members, optionally with
// ZIP64 end records), so the reader can be tested on files shaped like numpy's
// and on deliberately broken ones.
import { crc32 } from '../../models/io/zip.ts';

export interface NpyInput {
  descr: string;
  shape: number[];
  /** Raw element bytes, already in the byte order `descr` says. */
  bytes: Uint8Array;
  fortranOrder?: boolean;
  /** Header format version: 1 (u16 length) or 2/3 (u32 length). */
  version?: 1 | 2 | 3;
}

export function npyBytes(a: NpyInput): Uint8Array {
  const version = a.version ?? 1;
  const shape = a.shape.length === 1 ? `(${a.shape[0]},)` : `(${a.shape.join(', ')})`;
  const dict = `{'descr': '${a.descr}', 'fortran_order': ${a.fortranOrder ? 'True' : 'False'}, 'shape': ${shape}, }`;
  const prefix = version === 1 ? 10 : 12;
  const encoded = new TextEncoder().encode(dict);
  const total = Math.ceil((prefix + encoded.length + 1) / 64) * 64;
  const header = new Uint8Array(total);
  header.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]);
  const view = new DataView(header.buffer);
  if (version === 1) view.setUint16(8, total - prefix, true);
  else view.setUint32(8, total - prefix, true);
  header.fill(0x20, prefix);
  header.set(encoded, prefix);
  header[total - 1] = 0x0a;
  return concat([header, a.bytes]);
}

export function f64Bytes(values: ArrayLike<number>): Uint8Array {
  return new Uint8Array(Float64Array.from(values).buffer);
}

export function f32Bytes(values: ArrayLike<number>): Uint8Array {
  return new Uint8Array(Float32Array.from(values).buffer);
}

export function i64Bytes(values: readonly number[]): Uint8Array {
  return new Uint8Array(BigInt64Array.from(values, (v) => BigInt(v)).buffer);
}

export interface ZipMember {
  name: string;
  data: Uint8Array;
}

export interface ZipOptions {
  method?: 0 | 8;
  /** Write ZIP64 end records and extra fields (0xffff… markers in the classic fields), as large archives have. */
  zip64?: boolean;
}

export async function zipBytes(members: ZipMember[], options: ZipOptions = {}): Promise<Uint8Array> {
  const method = options.method ?? 0;
  const parts: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let offset = 0;
  for (const m of members) {
    const name = new TextEncoder().encode(m.name);
    const payload = method === 8 ? await deflateRaw(m.data) : m.data;
    const crc = crc32(m.data);
    const local = new Uint8Array(30 + name.length);
    const lv = new DataView(local.buffer);
    lv.setUint32(0, 0x04034b50, true);
    lv.setUint16(4, 20, true);
    lv.setUint16(8, method, true);
    lv.setUint32(14, crc, true);
    lv.setUint32(18, payload.length, true);
    lv.setUint32(22, m.data.length, true);
    lv.setUint16(26, name.length, true);
    local.set(name, 30);
    // With zip64, sizes and offset move to a ZIP64 extra field (id 1), as for members past 4 GiB.
    const extra = options.zip64 ? 28 : 0;
    const cd = new Uint8Array(46 + name.length + extra);
    const cv = new DataView(cd.buffer);
    cv.setUint32(0, 0x02014b50, true);
    cv.setUint16(4, 45, true);
    cv.setUint16(6, 45, true);
    cv.setUint16(10, method, true);
    cv.setUint32(16, crc, true);
    cv.setUint32(20, options.zip64 ? 0xffffffff : payload.length, true);
    cv.setUint32(24, options.zip64 ? 0xffffffff : m.data.length, true);
    cv.setUint16(28, name.length, true);
    cv.setUint16(30, extra, true);
    cv.setUint32(42, options.zip64 ? 0xffffffff : offset, true);
    cd.set(name, 46);
    if (options.zip64) {
      const e = 46 + name.length;
      cv.setUint16(e, 1, true);
      cv.setUint16(e + 2, 24, true);
      cv.setBigUint64(e + 4, BigInt(m.data.length), true); // order: size, compressed size, offset
      cv.setBigUint64(e + 12, BigInt(payload.length), true);
      cv.setBigUint64(e + 20, BigInt(offset), true);
    }
    central.push(cd);
    parts.push(local, payload);
    offset += local.length + payload.length;
  }
  const cdBytes = concat(central);
  const cdOffset = offset;
  parts.push(cdBytes);
  offset += cdBytes.length;
  if (options.zip64) {
    const record = new Uint8Array(56);
    const rv = new DataView(record.buffer);
    rv.setUint32(0, 0x06064b50, true);
    rv.setBigUint64(4, 44n, true);
    rv.setBigUint64(24, BigInt(members.length), true);
    rv.setBigUint64(32, BigInt(members.length), true);
    rv.setBigUint64(40, BigInt(cdBytes.length), true);
    rv.setBigUint64(48, BigInt(cdOffset), true);
    const locator = new Uint8Array(20);
    const lv = new DataView(locator.buffer);
    lv.setUint32(0, 0x07064b50, true);
    lv.setBigUint64(8, BigInt(offset), true);
    lv.setUint32(16, 1, true);
    parts.push(record, locator);
  }
  const eocd = new Uint8Array(22);
  const ev = new DataView(eocd.buffer);
  ev.setUint32(0, 0x06054b50, true);
  ev.setUint16(8, options.zip64 ? 0xffff : members.length, true);
  ev.setUint16(10, options.zip64 ? 0xffff : members.length, true);
  ev.setUint32(12, options.zip64 ? 0xffffffff : cdBytes.length, true);
  ev.setUint32(16, options.zip64 ? 0xffffffff : cdOffset, true);
  parts.push(eocd);
  return concat(parts);
}

async function deflateRaw(data: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([data as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new CompressionStream('deflate-raw'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

export function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
