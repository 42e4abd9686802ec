// Keys (inputs of h.l.mlp.c_proj) and MLP outputs of one layer at chosen
// token positions, from the current weights, and optionally the residual
// stream after a later block (MEMIT's cur_z) from the same forward pass.
// The forward pass stops after the last layer asked for.
import { gatherRows } from '../kernels/embedding.ts';
import type { Gpt2Model } from '../gpt2/model.ts';

export interface KeyQuery {
  ids: readonly number[];
  /** Token position whose key is read. */
  index: number;
}

export interface LayerActivations {
  /** One key per query, each of length 4d. */
  keys: Float32Array[];
  /** The MLP output (c_proj bias included) at the same positions, length d. */
  mlpOut: Float32Array[];
  /** The output of block `residualAfter` (the residual stream) at the same positions, length d, when asked. */
  residual?: Float32Array[];
}

export async function keysAt(model: Gpt2Model, layer: number, queries: readonly KeyQuery[], opts: { residualAfter?: number } = {}): Promise<LayerActivations> {
  const { ctx, config } = model;
  if (layer < 0 || layer >= config.nLayer) throw new Error(`layer ${layer} is outside 0..${config.nLayer - 1}`);
  queries.forEach((q, i) => {
    if (q.index < 0 || q.index >= q.ids.length) throw new Error(`query ${i}: position ${q.index} is outside its ${q.ids.length} tokens`);
  });
  const batch = model.batch(queries.map((q) => q.ids));
  const h = model.embed(batch);
  const top = opts.residualAfter ?? layer;
  if (top < layer || top >= config.nLayer) throw new Error(`residual layer ${top} is outside ${layer}..${config.nLayer - 1}`);
  const out = model.blocks(h, batch, 0, top + 1, { layer, captureKeys: true, captureMlpOut: true });
  const rows = ctx.upload(Uint32Array.from(queries, (q, b) => b * batch.T + q.index), [queries.length], 'u32', 'key.rows');
  const read = async (t: Parameters<typeof gatherRows>[1]) => {
    const g = gatherRows(ctx, t, rows);
    const data = await ctx.downloadF32(g);
    ctx.release(g);
    return data;
  };
  const k = await read(out.keys!);
  const m = await read(out.mlpOut!);
  const r = opts.residualAfter !== undefined ? await read(h) : null;
  ctx.release(h, out.keys, out.mlpOut, rows, batch.ids);
  const f = config.nInner;
  const d = config.nEmbd;
  return {
    keys: queries.map((_, i) => k.slice(i * f, (i + 1) * f)),
    mlpOut: queries.map((_, i) => m.slice(i * d, (i + 1) * d)),
    ...(r ? { residual: queries.map((_, i) => r.slice(i * d, (i + 1) * d)) } : {}),
  };
}
