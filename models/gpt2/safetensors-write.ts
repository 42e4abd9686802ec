// Writes a safetensors file the way the Hugging Face library does: JSON header padded with
// spaces to a multiple of 8 (so the data section starts 8-aligned), tensors with larger items
// first (so every tensor stays aligned to its item size), then the raw bytes.
import { SAFETENSORS_ITEM_SIZE, SafetensorsError, type SafetensorsDtype } from './safetensors.ts';

export interface SafetensorsTensorToWrite {
  name: string;
  dtype: SafetensorsDtype;
  shape: readonly number[];
  /** Little-endian element bytes, exactly numel × item size long. */
  data: Uint8Array;
}

export function writeSafetensors(tensors: readonly SafetensorsTensorToWrite[], metadata?: Record<string, string>): Uint8Array {
  const seen = new Set<string>();
  for (const t of tensors) {
    if (t.name === '__metadata__') throw new SafetensorsError('"__metadata__" is reserved and cannot name a tensor');
    if (seen.has(t.name)) throw new SafetensorsError('name appears twice', t.name);
    seen.add(t.name);
    const itemSize = SAFETENSORS_ITEM_SIZE[t.dtype];
    if (itemSize === undefined) throw new SafetensorsError(`unknown dtype ${JSON.stringify(t.dtype)}`, t.name);
    let numel = 1;
    for (const s of t.shape) {
      if (!Number.isSafeInteger(s) || s < 0) throw new SafetensorsError(`shape [${t.shape.join(', ')}] has an invalid dimension`, t.name);
      numel *= s;
    }
    if (t.data.byteLength !== numel * itemSize) {
      throw new SafetensorsError(`data is ${t.data.byteLength} bytes, but ${t.dtype} shape [${t.shape.join(', ')}] needs ${numel * itemSize}`, t.name);
    }
  }

  // Stable sort: larger item size first, otherwise the caller's order.
  const ordered = [...tensors].sort((a, b) => SAFETENSORS_ITEM_SIZE[b.dtype] - SAFETENSORS_ITEM_SIZE[a.dtype]);
  const header: Record<string, unknown> = {};
  if (metadata && Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  let offset = 0;
  for (const t of ordered) {
    header[t.name] = { dtype: t.dtype, shape: [...t.shape], data_offsets: [offset, offset + t.data.byteLength] };
    offset += t.data.byteLength;
  }

  const json = new TextEncoder().encode(JSON.stringify(header));
  const headerLength = Math.ceil(json.byteLength / 8) * 8;
  const out = new Uint8Array(8 + headerLength + offset);
  const view = new DataView(out.buffer);
  view.setUint32(0, headerLength % 2 ** 32, true);
  view.setUint32(4, Math.floor(headerLength / 2 ** 32), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.byteLength, 8 + headerLength); // space padding
  let at = 8 + headerLength;
  for (const t of ordered) {
    out.set(t.data, at);
    at += t.data.byteLength;
  }
  return out;
}
