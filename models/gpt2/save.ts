// The model as it is now (edits included) back to the Hugging Face layout:
// config.json + model.safetensors, tensor names as our loader and
// transformers read them. Each tensor keeps its dtype; edited weights are f32.
import type { SafetensorsDtype } from './safetensors.ts';
import { writeSafetensors, type SafetensorsTensorToWrite } from './safetensors-write.ts';
import { gpt2ConfigToJson } from './config.ts';
import type { Gpt2Model } from './model.ts';

export interface SavedModel {
  configJson: string;
  safetensors: Uint8Array;
}

export async function serializeGpt2(model: Gpt2Model, metadata: Record<string, string> = {}): Promise<SavedModel> {
  const { ctx, weights, config } = model;
  const tensors: SafetensorsTensorToWrite[] = [];
  const bytesOf = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  const dtypeOf = (d: string): SafetensorsDtype => (d === 'f16' ? 'F16' : 'F32');

  // wte: the row chunks, concatenated back into one [vocab, d] tensor.
  const first = weights.wte[0]!.table;
  const item = first.dtype === 'f16' ? 2 : 4;
  const wte = new Uint8Array(config.vocabSize * config.nEmbd * item);
  for (const c of weights.wte) {
    const part = bytesOf(await ctx.download(c.table));
    wte.set(part.subarray(0, c.table.size * item), c.rowOffset * config.nEmbd * item);
  }
  tensors.push({ name: 'wte.weight', dtype: dtypeOf(first.dtype), shape: [config.vocabSize, config.nEmbd], data: wte });
  for (const [name, t] of weights.byName) {
    if (name.startsWith('wte.weight')) continue;
    const data = bytesOf(await ctx.download(t));
    tensors.push({ name, dtype: dtypeOf(t.dtype), shape: [...t.shape], data: data.subarray(0, t.size * (t.dtype === 'f16' ? 2 : 4)) });
  }
  tensors.sort((a, b) => (a.name < b.name ? -1 : 1));
  return {
    configJson: JSON.stringify({ ...gpt2ConfigToJson(config), architectures: ['GPT2LMHeadModel'] }, null, 2) + '\n',
    safetensors: writeSafetensors(tensors, { format: 'pt', ...metadata }),
  };
}
