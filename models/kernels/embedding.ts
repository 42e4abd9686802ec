// Token and position embeddings: out[t] = wte[ids[t]] + wpe[posOffset + t].
// Two kernels, composed by embed():
//  - gatherRows copies table rows by token id. The table may be one chunk of
//    a row-split wte (rows [rowOffset, rowOffset + chunkRows)): the 50257-row
//    embedding of GPT-2 XL exceeds many devices' binding limit, so it is
//    uploaded in chunks and gathered chunk by chunk; ids outside a chunk
//    leave their output row untouched.
//  - addPositions adds wpe rows in place.
import type { GpuContext } from '../gpu/context.ts';
import { dispatchGrid } from '../gpu/context.ts';
import type { GpuTensor } from '../gpu/tensor.ts';
import { shapeText } from '../gpu/tensor.ts';
import { cachedSource, elementReader, expectDType, storageArray, type FloatDType } from './wgsl.ts';

const WG = 256;

/** One row-chunk of an embedding table: table rows are global rows rowOffset... */
export interface EmbeddingChunk {
  table: GpuTensor;
  rowOffset: number;
}

function gatherWgsl(tableType: FloatDType): string {
  return /* wgsl */ `
struct Params { n: u32, d: u32, rowOffset: u32, chunkRows: u32, stride: u32 }
@group(0) @binding(0) var<storage, read> table: ${storageArray(tableType)};
@group(0) @binding(1) var<storage, read> ids: array<u32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
@group(0) @binding(3) var<uniform> p: Params;
${elementReader('readTable', 'table', tableType)}

@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * p.stride;
  if (i >= p.n) { return; }
  // Ids below the chunk wrap around to huge values, so one test covers both ends.
  let local = ids[i / p.d] - p.rowOffset;
  if (local >= p.chunkRows) { return; }
  out[i] = readTable(local * p.d + i % p.d);
}`;
}

function positionsWgsl(wpeType: FloatDType): string {
  return /* wgsl */ `
struct Params { n: u32, d: u32, T: u32, posOffset: u32, stride: u32 }
@group(0) @binding(0) var<storage, read> wpe: ${storageArray(wpeType)};
@group(0) @binding(1) var<storage, read_write> x: array<f32>;
@group(0) @binding(2) var<uniform> p: Params;
${elementReader('readWpe', 'wpe', wpeType)}

@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * p.stride;
  if (i >= p.n) { return; }
  let t = (i / p.d) % p.T; // position within its sequence
  x[i] += readWpe((p.posOffset + t) * p.d + i % p.d);
}`;
}

function elementwiseGrid(ctx: GpuContext, n: number): [number, number] {
  return dispatchGrid(Math.ceil(n / WG), ctx.limits.maxComputeWorkgroupsPerDimension);
}

export interface GatherOptions {
  /** Global row index of the table's first row (for a chunk of a split table). Default 0. */
  rowOffset?: number;
  /** f32 [...ids.shape, d] to write into; rows whose id lies outside the table are left as they are. */
  out?: GpuTensor;
}

/** out[t] = table[ids[t] - rowOffset] for ids inside the table's rows; ids: u32 [T] or [B,T]; table: [rows, d] f32 or f16. */
export function gatherRows(ctx: GpuContext, table: GpuTensor, ids: GpuTensor, opts: GatherOptions = {}): GpuTensor {
  const what = `gatherRows(table ${shapeText(table.shape)}, ids ${shapeText(ids.shape)})`;
  expectDType(`${what}: table`, table.dtype, ['f32', 'f16']);
  expectDType(`${what}: ids`, ids.dtype, ['u32']);
  if (table.shape.length !== 2) throw new Error(`${what}: table must be [rows, d]`);
  const [chunkRows, d] = table.shape as [number, number];
  const rowOffset = opts.rowOffset ?? 0;
  if (!Number.isInteger(rowOffset) || rowOffset < 0) throw new Error(`${what}: rowOffset must be a non-negative integer`);
  const outShape = [...ids.shape, d];
  const out = opts.out ?? ctx.empty(outShape, 'f32', 'embedding.out');
  if (out.dtype !== 'f32' || out.size !== ids.size * d) throw new Error(`${what}: out is ${out.dtype} ${shapeText(out.shape)}, want f32 ${shapeText(outShape)}`);
  const n = ids.size * d;
  const [gx, gy] = elementwiseGrid(ctx, n);
  const params = ctx.uniform([n, d, rowOffset, chunkRows, gx * WG], ['u32', 'u32', 'u32', 'u32', 'u32']);
  const tType = table.dtype as FloatDType;
  ctx.dispatch(ctx.pipeline(cachedSource(`gatherRows:${tType}`, () => gatherWgsl(tType)), `gatherRows:${tType}`), [table, ids, out, params], [gx, gy]);
  return out;
}

/** In place: x[b, t] += wpe[posOffset + t] for x [T, d] or [B, T, d]; wpe: [positions, d] f32 or f16. Returns x. */
export function addPositions(ctx: GpuContext, x: GpuTensor, wpe: GpuTensor, posOffset = 0): GpuTensor {
  const what = `addPositions(x ${shapeText(x.shape)}, wpe ${shapeText(wpe.shape)})`;
  expectDType(`${what}: x`, x.dtype, ['f32']);
  expectDType(`${what}: wpe`, wpe.dtype, ['f32', 'f16']);
  if (x.shape.length < 2 || x.shape.length > 3) throw new Error(`${what}: x must be [T, d] or [B, T, d]`);
  if (wpe.shape.length !== 2) throw new Error(`${what}: wpe must be [positions, d]`);
  const d = x.shape[x.shape.length - 1]!;
  const T = x.shape[x.shape.length - 2]!;
  if (wpe.shape[1] !== d) throw new Error(`${what}: widths differ`);
  if (!Number.isInteger(posOffset) || posOffset < 0 || posOffset + T > wpe.shape[0]!) {
    throw new Error(`${what}: positions ${posOffset}..${posOffset + T - 1} exceed the ${wpe.shape[0]} in wpe`);
  }
  const n = x.size;
  if (n === 0) return x;
  const [gx, gy] = elementwiseGrid(ctx, n);
  const params = ctx.uniform([n, d, T, posOffset, gx * WG], ['u32', 'u32', 'u32', 'u32', 'u32']);
  const wType = wpe.dtype as FloatDType;
  ctx.dispatch(ctx.pipeline(cachedSource(`addPositions:${wType}`, () => positionsWgsl(wType)), `addPositions:${wType}`), [wpe, x, params], [gx, gy]);
  return x;
}

/**
 * GPT-2's input embedding: wte[ids] + wpe[posOffset + t]. `wte` is one table
 * or its row chunks (together covering the vocabulary); ids: u32 [T] or [B,T];
 * returns f32 [...ids.shape, d].
 */
export function embed(
  ctx: GpuContext,
  wte: GpuTensor | readonly EmbeddingChunk[],
  wpe: GpuTensor,
  ids: GpuTensor,
  posOffset = 0,
): GpuTensor {
  const chunks: readonly EmbeddingChunk[] = 'buffer' in wte ? [{ table: wte, rowOffset: 0 }] : wte;
  if (chunks.length === 0) throw new Error('embed: no wte chunks');
  const d = chunks[0]!.table.shape[1]!;
  const out = ctx.empty([...ids.shape, d], 'f32', 'embed.out');
  for (const c of chunks) {
    if (c.table.shape[1] !== d) throw new Error(`embed: wte chunks differ in width (${c.table.shape[1]} vs ${d})`);
    gatherRows(ctx, c.table, ids, { rowOffset: c.rowOffset, out });
  }
  return addPositions(ctx, out, wpe, posOffset);
}
