// Per-token NLL of token sequences on the GPU. The unembedding (tied to wte)
// runs one vocabulary chunk at a time and folds each chunk into running
// log-softmax statistics, so [rows, 50257] logits never exist and only a few
// floats per token come back to the CPU.
// Texts longer than the context are scored with a sliding window: each window
// scores only the tokens the previous one did not (stride = context / 2).
// Windows are packed into passes with no padding (gpt2/kv-cache.ts: each
// row carries its sequence and position) up to a row budget the device's
// binding limit allows; only scored rows reach the unembedding (each
// window's last position is gathered out first).
import { decodeLseState, logSoftmaxAccumulate, LSE_STATE_WIDTH } from '../kernels/cross-entropy.ts';
import { gatherRows } from '../kernels/embedding.ts';
import { matmul } from '../kernels/matmul.ts';
import { packedHidden } from './kv-cache.ts';
import type { Gpt2Model } from './model.ts';

export interface SequenceScores {
  /** NLL of tokens 2..T (length T-1). */
  nll: Float64Array;
  /** Argmax prediction after each position 1..T-1 (predicting tokens 2..T). */
  argmax: Uint32Array;
}

export interface ScoreOptions {
  /** Most rows (B·T) per forward pass; bounds the logits chunk memory. */
  maxRows?: number;
  /** Sliding-window stride for texts longer than the context. */
  stride?: number;
  signal?: AbortSignal;
  /** Called after each batch with sequences scored so far. */
  onProgress?: (done: number, total: number) => void;
  /** Score only each sequence's last token (fact recall): only those rows reach the unembedding; other entries stay 0. */
  lastOnly?: boolean;
}

const LOGITS_BYTES = 128 * 2 ** 20;

/** One forward-pass window: its ids, and the first position whose next token is scored. */
interface Window {
  seq: number;
  start: number;
  ids: number[];
  scoreFrom: number;
}

function windowsOf(seq: number, ids: readonly number[], ctxLen: number, stride: number): Window[] {
  if (ids.length <= ctxLen) return [{ seq, start: 0, ids: [...ids], scoreFrom: 0 }];
  const out: Window[] = [];
  let scoredUpTo = 0; // tokens < scoredUpTo+1 have been predicted
  for (let start = 0; ; start += stride) {
    const end = Math.min(start + ctxLen, ids.length);
    out.push({ seq, start, ids: ids.slice(start, end), scoreFrom: Math.max(0, scoredUpTo - start) });
    scoredUpTo = end - 1;
    if (end === ids.length) break;
  }
  return out;
}

export async function scoreSequences(model: Gpt2Model, seqs: readonly (readonly number[])[], opts: ScoreOptions = {}): Promise<SequenceScores[]> {
  const { config } = model;
  // One logits chunk is rows × chunk columns of f32: keep it within LOGITS_BYTES.
  const chunkCols = Math.max(...model.weights.wte.map((c) => c.table.shape[0]!));
  const lim = Math.min(model.ctx.limits.maxStorageBufferBindingSize, model.ctx.limits.maxBufferSize);
  const logitsBytes = Math.min(LOGITS_BYTES, lim);
  // The MLP's [rows, 4d] activation must fit one binding too.
  const byMlp = Math.floor(lim / (16 * config.nEmbd));
  const maxRows = opts.maxRows ?? Math.max(64, Math.min(1024, byMlp, Math.floor(logitsBytes / (4 * chunkCols))));
  const ctxLen = Math.min(config.nPositions, maxRows);
  const stride = opts.stride ?? Math.max(1, Math.floor(ctxLen / 2));
  const results = seqs.map((s) => ({ nll: new Float64Array(Math.max(0, s.length - 1)), argmax: new Uint32Array(Math.max(0, s.length - 1)) }));
  const windowsOfSeq = (s: readonly number[], i: number): Window[] => {
    const ws = windowsOf(i, s, ctxLen, stride);
    if (!opts.lastOnly) return ws;
    const last = ws[ws.length - 1]!;
    return [{ ...last, scoreFrom: Math.max(0, last.ids.length - 2) }];
  };
  const windows = seqs.flatMap((s, i) => windowsOfSeq(s, i)).filter((w) => w.ids.length > 1);
  // Longest first: a pass's key/value buffer is its window count × its longest window.
  windows.sort((a, b) => b.ids.length - a.ids.length);
  const maxCacheRows = Math.floor(lim / (8 * config.nEmbd));

  // Two batches in flight: the next one is recorded and submitted before the
  // previous one's read-back is awaited, so the GPU does not idle while the
  // CPU decodes scores and uploads ids.
  let done = 0;
  let pending: { read: Promise<void>; count: number } | null = null;
  const settle = async (p: { read: Promise<void>; count: number }) => {
    await p.read;
    done += p.count;
    opts.onProgress?.(done, windows.length);
  };
  try {
    for (let i = 0; i < windows.length; ) {
      opts.signal?.throwIfAborted();
      const T = windows[i]!.ids.length;
      const group: Window[] = [windows[i++]!];
      let rows = T;
      while (i < windows.length && rows + windows[i]!.ids.length <= maxRows && (group.length + 1) * T <= maxCacheRows) {
        rows += windows[i]!.ids.length;
        group.push(windows[i++]!);
      }
      const read = scoreWindows(model, group, results);
      read.catch(() => {}); // awaited in order below; a failure must not surface as an unhandled rejection first
      const prev: { read: Promise<void>; count: number } | null = pending;
      pending = { read, count: group.length };
      if (prev) await settle(prev);
    }
    const last: { read: Promise<void>; count: number } | null = pending;
    pending = null;
    if (last) await settle(last);
    // Every batch is read back: what they released can serve the next call now.
    model.ctx.flush();
  } finally {
    // On an abort or error, let the batch in flight finish (its buffers go back to the pool).
    const left: { read: Promise<void> } | null = pending;
    if (left) await left.read.catch(() => {});
  }
  return results;
}

async function scoreWindows(model: Gpt2Model, group: Window[], results: SequenceScores[]): Promise<void> {
  const { ctx } = model;
  // The scored rows, in order: packed row start(b) + t predicts token t+1 of window b.
  const rowsHost: number[] = [];
  const targetsHost: number[] = [];
  let start = 0;
  for (const w of group) {
    for (let t = w.scoreFrom; t + 1 < w.ids.length; t++) {
      rowsHost.push(start + t);
      targetsHost.push(w.ids[t + 1]!);
    }
    start += w.ids.length;
  }
  const n = rowsHost.length;
  if (n === 0) return;
  const targets = Uint32Array.from(targetsHost);
  const hidden = packedHidden(model, group.map((w) => w.ids));
  const rows = ctx.upload(Uint32Array.from(rowsHost), [n], 'u32', 'score.rows');
  const hs = gatherRows(ctx, hidden, rows); // [n, d]
  ctx.release(hidden, rows);
  const tgt = ctx.upload(targets, [n], 'u32', 'targets');
  const state = ctx.empty([n, LSE_STATE_WIDTH], 'f32', 'lse.state');
  for (const [k, chunk] of model.weights.wte.entries()) {
    const logits = matmul(ctx, hs, chunk.table, { transB: true });
    logSoftmaxAccumulate(ctx, logits, tgt, state, chunk.rowOffset, k === 0);
    ctx.release(logits);
  }
  const scores = decodeLseState(await ctx.downloadF32(state), targets);
  ctx.release(hs, tgt, state);
  let i = 0;
  for (const w of group) {
    const r = results[w.seq]!;
    for (let t = w.scoreFrom; t + 1 < w.ids.length; t++, i++) {
      r.nll[w.start + t] = scores.nll[i]!;
      r.argmax[w.start + t] = scores.argmax[i]!;
    }
  }
}
