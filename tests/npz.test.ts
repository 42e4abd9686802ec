import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MemorySource } from '../models/io/byte-source.ts';
import { NodeFileSource } from '../models/io/byte-source-node.ts';
import { covarianceFromRomeNpz, loadRomeCovariance, npzPathForLayer, romeStatsPath } from '../models/editing/rome-covariance.ts';
import { npyScalar, npyToFloat64, parseNpy } from '../models/io/npy.ts';
import { openNpz, readNpz } from '../models/io/npz.ts';
import { f32Bytes, f64Bytes, i64Bytes, npyBytes, zipBytes } from './helpers/npz-writer.ts';

const FIXTURES = 'tests/fixtures/npz';

/** The keys make.py builds: ((7t + 3i) mod 11 − 5) / 4 for t < 20, i < 8. */
function fixtureKeys(): number[][] {
  return Array.from({ length: 20 }, (_, t) => Array.from({ length: 8 }, (_, i) => (((t * 7 + i * 3) % 11) - 5) / 4));
}

describe('npz reader', () => {
  for (const [label, options] of [
    ['STORED', { method: 0 }],
    ['DEFLATE', { method: 8 }],
    ['STORED with ZIP64 records', { method: 0, zip64: true }],
    ['DEFLATE with ZIP64 records', { method: 8, zip64: true }],
  ] as const) {
    it(`reads arrays back from a ${label} archive`, async () => {
      const matrix = Array.from({ length: 12 }, (_, i) => i / 4 - 1);
      const bytes = await zipBytes(
        [
          { name: 'w.npy', data: npyBytes({ descr: '<f8', shape: [3, 4], bytes: f64Bytes(matrix) }) },
          { name: 'v.npy', data: npyBytes({ descr: '<f4', shape: [5], bytes: f32Bytes([1, 2, 3, 4, 5]), version: 2 }) },
          { name: 'n.npy', data: npyBytes({ descr: '<i8', shape: [], bytes: i64Bytes([1280]), version: 3 }) },
        ],
        options,
      );
      const arrays = await readNpz(bytes, 'test.npz');
      expect([...arrays.keys()]).toEqual(['w', 'v', 'n']);
      const w = arrays.get('w')!;
      expect(w.shape).toEqual([3, 4]);
      expect(w.dtype).toBe('float64');
      expect(Array.from(w.data as Float64Array)).toEqual(matrix);
      expect(arrays.get('v')!.data).toEqual(Float32Array.from([1, 2, 3, 4, 5]));
      expect(arrays.get('n')!.shape).toEqual([]);
      expect(npyScalar(arrays.get('n')!)).toBe(1280);
    });
  }

  it('reads a real numpy.savez file (ROME layer_stats layout) and gives C = mom2 / count', async () => {
    const bytes = new Uint8Array(readFileSync(`${FIXTURES}/rome-mom2.npz`));
    const arrays = await readNpz(bytes, 'rome-mom2.npz');
    expect([...arrays.keys()].sort()).toEqual(['mom2.constructor', 'mom2.count', 'mom2.mom2', 'sample_size']);
    expect(arrays.get('mom2.constructor')!.data).toEqual(['util.runningstats.SecondMoment()']);
    expect(npyScalar(arrays.get('sample_size')!)).toBe(100000);

    const keys = fixtureKeys();
    const want = new Float64Array(64);
    for (const k of keys) for (let i = 0; i < 8; i++) for (let j = 0; j < 8; j++) want[i * 8 + j] += k[i]! * k[j]!;
    for (let i = 0; i < 64; i++) want[i] /= 20; // Σ kkᵀ is exact (dyadic); one rounding, as in mom2 / count
    const c = covarianceFromRomeNpz(arrays, 'rome-mom2.npz');
    expect(c.dim).toBe(8);
    expect(c.count).toBe(20);
    expect(c.mom2Dtype).toBe('float32');
    expect(c.covariance).toEqual(want); // dyadic values: exact through float32

    // Over a random-access source only the directory and the two needed members are read.
    const fromFile = await loadRomeCovariance(new NodeFileSource(`${FIXTURES}/rome-mom2.npz`));
    expect(fromFile.covariance).toEqual(want);
  });

  it('reads a real numpy.savez_compressed file: dtypes, byte order, Fortran order, strings', async () => {
    const arrays = await readNpz(new Uint8Array(readFileSync(`${FIXTURES}/mixed.npz`)), 'mixed.npz');
    const f8 = arrays.get('f8_3d')!;
    expect(f8.shape).toEqual([2, 3, 4]);
    expect(Array.from(npyToFloat64(f8))).toEqual(Array.from({ length: 24 }, (_, i) => i / 8));
    const big = arrays.get('f4_big')!;
    expect(big.descr).toBe('>f4');
    expect(Array.from(big.data as Float32Array)).toEqual([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5]);
    expect(Array.from(arrays.get('f2')!.data as Float32Array)).toEqual([1.5, -0.25, 65504, 2 ** -24]);
    const fortran = arrays.get('i8_fortran')!;
    expect(fortran.shape).toEqual([3, 4]);
    expect(Array.from(npyToFloat64(fortran))).toEqual(Array.from({ length: 12 }, (_, i) => i - 6)); // C order
    expect(Array.from(arrays.get('u1')!.data as Uint8Array)).toEqual([0, 1, 2, 3, 4]);
    expect(arrays.get('b1')!.dtype).toBe('bool');
    expect(Array.from(arrays.get('b1')!.data as Uint8Array)).toEqual([1, 0, 1]);
    expect(npyScalar(arrays.get('scalar')!)).toBe(0.125);
    expect(arrays.get('text')!.data).toEqual(['mom2', 'Σkkᵀ']);
  });

  it('transposes Fortran-order arrays into C order', () => {
    // A 2×3 matrix [[1,2,3],[4,5,6]] stored column by column.
    const a = parseNpy(npyBytes({ descr: '<f8', shape: [2, 3], bytes: f64Bytes([1, 4, 2, 5, 3, 6]), fortranOrder: true }));
    expect(Array.from(a.data as Float64Array)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('refuses malformed input with messages that say what is wrong', async () => {
    const good = await zipBytes([{ name: 'x.npy', data: npyBytes({ descr: '<f8', shape: [4], bytes: f64Bytes([1, 2, 3, 4]) }) }]);

    await expect(readNpz(new TextEncoder().encode('{"not": "a zip archive at all"}'), 'x.json')).rejects.toThrow(/x.json is not a zip archive/);
    await expect(readNpz(new Uint8Array(3), 'tiny')).rejects.toThrow(/not a zip archive \(3 bytes/);
    await expect(readNpz(good.subarray(0, good.length - 30), 'cut.npz')).rejects.toThrow(/cut.npz is a truncated zip archive/);

    const flipped = good.slice();
    flipped[good.indexOf(0x3f, 128)] ^= 0xff; // a byte of the float data (1.0 = ...f0 3f)
    await expect(readNpz(flipped, 'bad.npz')).rejects.toThrow(/CRC-32 mismatch/);

    const deflated = await zipBytes([{ name: 'x.npy', data: npyBytes({ descr: '<f8', shape: [64], bytes: f64Bytes(new Float64Array(64)) }) }], {
      method: 8,
    });
    const garbled = deflated.slice();
    for (let i = 40; i < 60; i++) garbled[i] = 0xff;
    await expect(readNpz(garbled, 'garbled.npz')).rejects.toThrow(/DEFLATE data is corrupt|inflates to|CRC-32/);

    const bzip = good.slice();
    new DataView(bzip.buffer).setUint16(bzip.length - 22 - 46 - 5 + 10, 12, true); // central entry's method
    await expect(readNpz(bzip, 'bz.npz')).rejects.toThrow(/compression method 12; only STORED \(0\) and DEFLATE \(8\)/);

    const archive = await openNpz(new MemorySource(good, 'good.npz'));
    await expect(archive.read('y')).rejects.toThrow(/good.npz has no array "y" \(it has: x\)/);
  });

  it('refuses bad .npy members: magic, version, truncation, dtypes', () => {
    const ok = npyBytes({ descr: '<f8', shape: [2, 2], bytes: f64Bytes([1, 2, 3, 4]) });
    expect(() => parseNpy(new Uint8Array(20), 'z.npy')).toThrow(/z.npy is not a .npy file/);
    const v9 = ok.slice();
    v9[6] = 9;
    expect(() => parseNpy(v9, 'v9.npy')).toThrow(/unsupported .npy format version 9.0/);
    expect(() => parseNpy(ok.subarray(0, ok.length - 8), 't.npy')).toThrow(/t.npy is truncated: shape \(2, 2\) of '<f8' needs 32 bytes of data, the file has 24/);
    expect(() => parseNpy(ok.subarray(0, 40), 'h.npy')).toThrow(/truncated inside its header/);
    expect(() => parseNpy(npyBytes({ descr: '<c16', shape: [1], bytes: new Uint8Array(16) }), 'c.npy')).toThrow(/unsupported dtype '<c16'/);
    expect(() => parseNpy(npyBytes({ descr: '<u8', shape: [1], bytes: new Uint8Array(8) }), 'u.npy')).toThrow(/unsupported dtype '<u8'/);
    expect(() => parseNpy(npyBytes({ descr: '|O', shape: [1], bytes: new Uint8Array(8) }), 'o.npy')).toThrow(/pickled Python objects/);
    const bigEndian = parseNpy(npyBytes({ descr: '>f8', shape: [2], bytes: f64Bytes([1, -2]).slice().reverse() }));
    expect(Array.from(bigEndian.data as Float64Array)).toEqual([-2, 1]); // the whole buffer reversed: elements swap too
  });

  it('knows ROME file names and rejects archives that are not mom2 stats', async () => {
    expect(romeStatsPath({ model: 'gpt2-xl', layer: 17 })).toBe('gpt2-xl/wikipedia_stats/transformer.h.17.mlp.c_proj_float32_mom2_100000.npz');
    // One file is one layer: "{layer}" names a file per layer; a file named for another layer is refused, never used in its place.
    expect(npzPathForLayer('m/stats/layer{layer}_mom2.npz', 1)).toBe('m/stats/layer1_mom2.npz');
    expect(npzPathForLayer('m/stats/layer2_mom2.npz', 2)).toBe('m/stats/layer2_mom2.npz');
    expect(() => npzPathForLayer('m/stats/layer2_mom2.npz', 1)).toThrow(/holds the statistics of layer 2, not of layer 1: .*\{layer\}/);
    expect(() => npzPathForLayer(romeStatsPath({ model: 'gpt2-xl', layer: 17 }), 13)).toThrow(/layer 17, not of layer 13/);
    expect(npzPathForLayer(romeStatsPath({ model: 'gpt2-xl', layer: 17 }), 17)).toContain('h.17.');
    expect(npzPathForLayer('uploads/my-stats.npz', 5)).toBe('uploads/my-stats.npz'); // names no layer: the user's word
    expect(romeStatsPath({ model: 'gpt2-medium', layer: 8, dataset: 'wikitext', sampleSize: null })).toBe(
      'gpt2-medium/wikitext_stats/transformer.h.8.mlp.c_proj_float32_mom2.npz',
    );
    const other = await readNpz(
      await zipBytes([{ name: 'x.npy', data: npyBytes({ descr: '<f8', shape: [1], bytes: f64Bytes([1]) }) }]),
      'other.npz',
    );
    expect(() => covarianceFromRomeNpz(other, 'other.npz')).toThrow(/other.npz is not a ROME second-moment file: expected arrays "mom2.mom2" and "mom2.count".*found: x/);
    const slashed = await readNpz(
      await zipBytes([
        { name: 'mom2/mom2.npy', data: npyBytes({ descr: '<f4', shape: [2, 3], bytes: f32Bytes([1, 2, 3, 4, 5, 6]) }) },
        { name: 'mom2/count.npy', data: npyBytes({ descr: '<i8', shape: [], bytes: i64Bytes([2]) }) },
      ]),
    );
    expect(() => covarianceFromRomeNpz(slashed, 'slashed.npz')).toThrow(/shape \(2, 3\), expected a square matrix/);
  });
});
