// A GPT-2 of any preset with seeded random weights, served as model files
// without touching the disk: the safetensors header is built here and every
// read of the data section is generated from its byte offset, so GPT-2 XL's
// 6 GB never exist on the host at once (the loader reads tensor by tensor).
// Weights: uniform with GPT-2's init scale (std 0.02); layernorm gains 1.
import { gpt2ConfigToJson } from '../../models/gpt2/config.ts';
import type { ModelFiles } from '../../models/gpt2/load.ts';
import { gpt2Preset, type Gpt2PresetId } from '../../models/gpt2/presets.ts';
import { gpt2WeightSpecs } from '../../models/gpt2/weights.ts';
import type { ByteSource } from '../../models/io/byte-source.ts';
import { f32ToF16Bits } from '../../models/gpu/half.ts';

const SCALE = 0.02 * Math.sqrt(3); // uniform(−a, a) has std a/√3

export function randomModelFiles(preset: Gpt2PresetId, dtype: 'F32' | 'F16', seed = 1): ModelFiles {
  const { config } = gpt2Preset(preset);
  const item = dtype === 'F32' ? 4 : 2;
  const specs = gpt2WeightSpecs(config);
  const header: Record<string, unknown> = {};
  const ranges: Array<{ begin: number; end: number; gain: boolean }> = [];
  let offset = 0;
  for (const s of specs) {
    const bytes = s.shape.reduce((a, b) => a * b, 1) * item;
    header[s.name] = { dtype, shape: s.shape, data_offsets: [offset, offset + bytes] };
    ranges.push({ begin: offset, end: offset + bytes, gain: /ln_\d\.weight$|ln_f\.weight$/.test(s.name) });
    offset += bytes;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const headerLength = Math.ceil(json.byteLength / 8) * 8;
  const head = new Uint8Array(8 + headerLength).fill(0x20);
  new DataView(head.buffer).setUint32(0, headerLength, true);
  new DataView(head.buffer).setUint32(4, 0, true);
  head.set(json, 8);
  const total = head.byteLength + offset;

  /** Element i of the data section, deterministic in (seed, i): a cheap integer hash to [0, 1). */
  const unit = (i: number): number => {
    let h = (Math.imul(i + 1, 0x9e3779b1) ^ seed) >>> 0;
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
    return ((h ^ (h >>> 16)) >>> 0) / 2 ** 32;
  };

  const source: ByteSource = {
    name: `random ${preset} ${dtype}`,
    lastReadFrom: 'disk',
    size: async () => total,
    read: async (at, length) => {
      const out = new Uint8Array(length);
      const h0 = Math.min(length, Math.max(0, head.byteLength - at));
      if (h0 > 0) out.set(head.subarray(at, at + h0));
      // The loader reads whole tensors (item-aligned), so the data part is whole elements.
      const dataStart = at + h0 - head.byteLength;
      const n = (length - h0) / item;
      if (n > 0) {
        const view = new DataView(out.buffer, h0);
        // The loader reads within one tensor at a time.
        const gain = ranges.find((x) => dataStart >= x.begin && dataStart < x.end)?.gain ? 1 : 0;
        const first = dataStart / item;
        for (let i = 0; i < n; i++) {
          const v = gain + (2 * unit(first + i) - 1) * SCALE;
          if (item === 4) view.setFloat32(i * 4, v, true);
          else view.setUint16(i * 2, f32ToF16Bits(v), true);
        }
      }
      return out;
    },
  };
  const configText = JSON.stringify({ ...gpt2ConfigToJson(config), torch_dtype: dtype === 'F32' ? 'float32' : 'float16' });
  return { name: source.name, readConfig: async () => configText, weights: source };
}
