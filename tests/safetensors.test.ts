// safetensors parsing (every malformed-file case names the problem) and writing (round trip).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MAX_HEADER_BYTES, SafetensorsError, parseSafetensorsHeader, readSafetensorsHeaderLength, tensorBytes } from '../models/gpt2/safetensors.ts';
import { writeSafetensors } from '../models/gpt2/safetensors-write.ts';
import { thrown } from './helpers/thrown.ts';

const MODEL = new URL('../public/models/tiny-gpt2/model.safetensors', import.meta.url);
const MODEL_F16 = new URL('../public/models/tiny-gpt2/model.f16.safetensors', import.meta.url);

/** A file with the given header text (padded to 8 like HF) and `dataBytes` bytes of data. */
function rawFile(header: string | object, dataBytes: number): Uint8Array {
  const json = new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
  const n = Math.ceil(json.byteLength / 8) * 8;
  const out = new Uint8Array(8 + n + dataBytes).fill(0x20, 8, 8 + n);
  new DataView(out.buffer).setUint32(0, n, true);
  out.set(json, 8);
  return out;
}

function parseError(bytes: Uint8Array, fileSize?: number): SafetensorsError {
  return thrown(() => parseSafetensorsHeader(bytes, fileSize), SafetensorsError);
}

describe('parseSafetensorsHeader on the fixture models', () => {
  it('parses model.safetensors with absolute offsets', () => {
    const file = new Uint8Array(readFileSync(MODEL));
    const h = parseSafetensorsHeader(file);
    expect(h.dataOffset).toBe(8 + h.headerLength);
    expect(h.headerLength % 8).toBe(0);
    expect(h.tensors.length).toBe(2 + 4 * 12 + 2);
    const wte = h.byName.get('wte.weight')!;
    expect(wte).toMatchObject({ dtype: 'F32', shape: [50257, 64], numel: 50257 * 64, byteLength: 50257 * 64 * 4 });
    // Tensors tile the data section in order.
    const last = h.tensors[h.tensors.length - 1]!;
    expect(last.byteOffset + last.byteLength).toBe(file.byteLength);
    for (let i = 1; i < h.tensors.length; i++) expect(h.tensors[i]!.byteOffset).toBeGreaterThanOrEqual(h.tensors[i - 1]!.byteOffset + h.tensors[i - 1]!.byteLength);
    expect(h.byName.get('h.1.mlp.c_proj.weight')!.shape).toEqual([256, 64]);
    expect(tensorBytes(file, wte).byteLength).toBe(wte.byteLength);
  });

  it('parses model.f16.safetensors as F16', () => {
    const h = parseSafetensorsHeader(new Uint8Array(readFileSync(MODEL_F16)));
    expect(h.tensors.every((t) => t.dtype === 'F16')).toBe(true);
    expect(h.byName.get('wte.weight')!.byteLength).toBe(50257 * 64 * 2);
  });

  it('parses from the header bytes alone when given the file size', () => {
    const file = new Uint8Array(readFileSync(MODEL));
    const n = readSafetensorsHeaderLength(file.subarray(0, 8), file.byteLength);
    const h = parseSafetensorsHeader(file.slice(0, 8 + n), file.byteLength);
    expect(h.tensors.length).toBe(52);
  });
});

describe('malformed files give clear errors', () => {
  const good = { __metadata__: { format: 'pt' }, a: { dtype: 'F32', shape: [2, 3], data_offsets: [0, 24] }, b: { dtype: 'F16', shape: [4], data_offsets: [24, 32] } };

  it('accepts the well-formed synthetic file', () => {
    const h = parseSafetensorsHeader(rawFile(good, 32));
    expect(h.metadata).toEqual({ format: 'pt' });
    expect(h.tensors.map((t) => [t.name, t.byteOffset - h.dataOffset, t.byteLength])).toEqual([
      ['a', 0, 24],
      ['b', 24, 8],
    ]);
  });

  it('truncated file: too short for the length field', () => {
    expect(parseError(new Uint8Array(5)).message).toMatch(/5 bytes, too short for the 8-byte header length/);
  });

  it('truncated file: header cut off', () => {
    const f = rawFile(good, 32);
    expect(parseError(f.subarray(0, 20)).message).toMatch(/header length \d+ exceeds the 12 bytes after the length field \(file truncated or corrupt\)/);
  });

  it('truncated file: tensor data cut off names the tensor', () => {
    const e = parseError(rawFile(good, 30));
    expect(e.tensor).toBe('b');
    expect(e.message).toMatch(/tensor "b": data_offsets \[24, 32\] run past the data section \(30 bytes; file truncated\?\)/);
    const real = new Uint8Array(readFileSync(MODEL));
    expect(parseError(real.subarray(0, real.byteLength - 1)).message).toMatch(/run past the data section/);
  });

  it('corrupt header length', () => {
    const f = rawFile(good, 32);
    new DataView(f.buffer).setUint32(4, 1, true); // 2^32 + n
    expect(parseError(f).message).toMatch(/larger than the 104857600-byte limit/);
    new DataView(f.buffer).setUint32(4, 0, true);
    new DataView(f.buffer).setUint32(0, MAX_HEADER_BYTES + 1, true);
    expect(parseError(f).message).toMatch(/larger than the 104857600-byte limit/);
    new DataView(f.buffer).setUint32(0, 0, true);
    expect(parseError(f).message).toMatch(/header length is 0/);
  });

  it('header not JSON, or not an object', () => {
    expect(parseError(rawFile('{"a": {"dtype": "F32",', 0)).message).toMatch(/header is not valid JSON/);
    expect(parseError(rawFile('[1, 2]', 0)).message).toMatch(/header JSON must be an object/);
    const bad = rawFile('{"x":1}', 0);
    bad[9] = 0xff;
    expect(parseError(bad).message).toMatch(/header is not valid UTF-8/);
    expect(parseError(rawFile({ __metadata__: { n: 1 } }, 0)).message).toMatch(/"__metadata__" value of "n" must be a string/);
  });

  it('offsets out of range or malformed', () => {
    expect(parseError(rawFile({ a: { dtype: 'F32', shape: [2], data_offsets: [8, 16] } }, 12)).message).toMatch(/tensor "a": data_offsets \[8, 16\] run past the data section \(12 bytes/);
    expect(parseError(rawFile({ a: { dtype: 'F32', shape: [2], data_offsets: [8, 0] } }, 12)).message).toMatch(/tensor "a": data_offsets \[8, 0\] end before they begin/);
    expect(parseError(rawFile({ a: { dtype: 'F32', shape: [2], data_offsets: [-8, 0] } }, 12)).message).toMatch(/tensor "a": data_offsets must be \[begin, end\]/);
    expect(parseError(rawFile({ a: { dtype: 'F32', shape: [2] } }, 12)).message).toMatch(/tensor "a": data_offsets must be/);
  });

  it('overlapping tensors', () => {
    const e = parseError(rawFile({ a: { dtype: 'F32', shape: [4], data_offsets: [0, 16] }, b: { dtype: 'F32', shape: [2], data_offsets: [8, 16] } }, 16));
    expect(e.tensor).toBe('b');
    expect(e.message).toMatch(/tensor "b": data_offsets \[8, 16\] overlap those of "a" \[0, 16\]/);
  });

  it('wrong dtype', () => {
    const e = parseError(rawFile({ w: { dtype: 'Q4_0', shape: [2], data_offsets: [0, 2] } }, 2));
    expect(e.message).toMatch(/tensor "w": unknown dtype "Q4_0" \(expected one of F64, F32, F16, BF16/);
    expect(parseError(rawFile({ w: { dtype: 32, shape: [2], data_offsets: [0, 8] } }, 8)).message).toMatch(/unknown dtype 32/);
    expect(parseSafetensorsHeader(rawFile({ w: { dtype: 'BF16', shape: [2], data_offsets: [0, 4] } }, 4)).tensors[0]!.dtype).toBe('BF16');
  });

  it('shape/size mismatch and invalid shapes', () => {
    expect(parseError(rawFile({ w: { dtype: 'F32', shape: [2, 3], data_offsets: [0, 20] } }, 24)).message).toMatch(
      /tensor "w": data_offsets \[0, 20\] hold 20 bytes, but F32 shape \[2, 3\] needs 6 × 4 = 24/,
    );
    expect(parseError(rawFile({ w: { dtype: 'F32', shape: [2, -3], data_offsets: [0, 24] } }, 24)).message).toMatch(/tensor "w": shape \[2,-3\] has an invalid dimension -3/);
    expect(parseError(rawFile({ w: { dtype: 'F32', shape: [1.5], data_offsets: [0, 6] } }, 6)).message).toMatch(/invalid dimension 1.5/);
    expect(parseError(rawFile({ w: { dtype: 'F32', shape: 'big', data_offsets: [0, 4] } }, 4)).message).toMatch(/tensor "w": shape must be an array/);
    expect(parseError(rawFile({ w: [1] }, 4)).message).toMatch(/tensor "w": entry must be an object/);
  });

  it('accepts empty tensors and scalars', () => {
    const h = parseSafetensorsHeader(rawFile({ e: { dtype: 'F32', shape: [0, 5], data_offsets: [0, 0] }, s: { dtype: 'F32', shape: [], data_offsets: [0, 4] } }, 4));
    expect(h.tensors.map((t) => [t.name, t.numel])).toEqual([
      ['e', 0],
      ['s', 1],
    ]);
  });
});

describe('writeSafetensors', () => {
  const f32 = (vals: number[]) => new Uint8Array(new Float32Array(vals).buffer);

  it('round-trips tensors and metadata, header padded with spaces to 8', () => {
    const tensors = [
      { name: 'half', dtype: 'F16' as const, shape: [3], data: new Uint8Array([1, 2, 3, 4, 5, 6]) },
      { name: 'x.weight', dtype: 'F32' as const, shape: [2, 2], data: f32([1, -2, 3.5, 1e-8]) },
      { name: 'empty', dtype: 'F32' as const, shape: [0], data: new Uint8Array(0) },
    ];
    const bytes = writeSafetensors(tensors, { format: 'pt', note: 'edited' });
    const h = parseSafetensorsHeader(bytes);
    expect(h.headerLength % 8).toBe(0);
    const headerText = new TextDecoder().decode(bytes.subarray(8, 8 + h.headerLength));
    expect(headerText).toMatch(/} *$/);
    expect(headerText.trimEnd().length).toBeLessThanOrEqual(h.headerLength);
    expect(h.metadata).toEqual({ format: 'pt', note: 'edited' });
    for (const t of tensors) {
      const info = h.byName.get(t.name)!;
      expect(info.dtype).toBe(t.dtype);
      expect(info.shape).toEqual(t.shape);
      expect(Array.from(tensorBytes(bytes, info))).toEqual(Array.from(t.data));
      // Larger items first keeps every tensor aligned to its item size.
      expect(info.byteOffset % (t.dtype === 'F32' ? 4 : 2)).toBe(0);
    }
    expect(bytes.byteLength).toBe(8 + h.headerLength + 16 + 6);
  });

  it('rewrites the fixture model byte-identically in its tensor data', () => {
    const file = new Uint8Array(readFileSync(MODEL));
    const h = parseSafetensorsHeader(file);
    const copy = writeSafetensors(h.tensors.map((t) => ({ name: t.name, dtype: t.dtype, shape: t.shape, data: tensorBytes(file, t) })));
    const h2 = parseSafetensorsHeader(copy);
    // Buffer.equals: vitest's deep equality is far too slow on 13 MB.
    expect(Buffer.from(copy.subarray(h2.dataOffset)).equals(file.subarray(h.dataOffset))).toBe(true);
  });

  it('rejects inconsistent input', () => {
    expect(() => writeSafetensors([{ name: 'a', dtype: 'F32', shape: [2], data: new Uint8Array(7) }])).toThrow(/tensor "a": data is 7 bytes, but F32 shape \[2\] needs 8/);
    expect(() =>
      writeSafetensors([
        { name: 'a', dtype: 'F32', shape: [1], data: new Uint8Array(4) },
        { name: 'a', dtype: 'F32', shape: [1], data: new Uint8Array(4) },
      ]),
    ).toThrow(/tensor "a": name appears twice/);
    expect(() => writeSafetensors([{ name: '__metadata__', dtype: 'F32', shape: [1], data: new Uint8Array(4) }])).toThrow(/reserved/);
  });
});
