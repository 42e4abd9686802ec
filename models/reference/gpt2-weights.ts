// Safetensors bytes -> the float64 weights map of the reference GPT-2 (F32 and F16 files).
import type { Gpt2Config } from '../gpt2/config.ts';
import { SafetensorsError, parseSafetensorsHeader, tensorBytes, type SafetensorsTensorInfo } from '../gpt2/safetensors.ts';
import { checkGpt2Weights } from '../gpt2/weights.ts';
import { f16BitsToF32 } from '../gpu/half.ts';

// Every half value, decoded once: a table lookup is far faster than decoding per element.
let halfTable: Float64Array | null = null;
function halfToFloat64Table(): Float64Array {
  if (!halfTable) {
    halfTable = new Float64Array(65536);
    for (let h = 0; h < 65536; h++) halfTable[h] = f16BitsToF32(h);
  }
  return halfTable;
}

/** One tensor's values as float64 (exact for F32, F16 and BF16). `file` is the whole file. */
export function decodeTensorF64(file: Uint8Array, info: SafetensorsTensorInfo): Float64Array {
  const bytes = tensorBytes(file, info);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float64Array(info.numel);
  switch (info.dtype) {
    case 'F32':
      for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(4 * i, true);
      break;
    case 'F16': {
      const table = halfToFloat64Table();
      for (let i = 0; i < out.length; i++) out[i] = table[view.getUint16(2 * i, true)]!;
      break;
    }
    case 'BF16': {
      // bf16 is the top 16 bits of an f32.
      const scratch = new DataView(new ArrayBuffer(4));
      for (let i = 0; i < out.length; i++) {
        scratch.setUint32(0, view.getUint16(2 * i, true) << 16, true);
        out[i] = scratch.getFloat32(0, true);
      }
      break;
    }
    default:
      throw new SafetensorsError(`dtype ${info.dtype} cannot be decoded to float64 here`, info.name);
  }
  return out;
}

/** Parses, checks against `config`, and decodes every GPT-2 tensor of a safetensors file. */
export function loadGpt2WeightsF64(file: Uint8Array, config: Gpt2Config): Map<string, Float64Array> {
  const header = parseSafetensorsHeader(file);
  const index = checkGpt2Weights(header, config);
  const weights = new Map<string, Float64Array>();
  for (const [name, info] of index) weights.set(name, decodeTensorF64(file, info));
  return weights;
}
