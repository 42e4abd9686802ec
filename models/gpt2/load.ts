// Loading a GPT-2 checkpoint in the Hugging Face layout from any byte source:
// config.json first, then the safetensors header (validated against the
// config before anything is allocated), then the tensors one by one to the GPU.
import type { GpuContext } from '../gpu/context.ts';
import { GpuError } from '../gpu/errors.ts';
import type { ByteSource } from '../io/byte-source.ts';
import { BlobSource, SourceError } from '../io/byte-source.ts';
import { HttpSource, hubFileUrl, type RangeCache } from '../io/http-source.ts';
import { parseGpt2Config, type Gpt2Config } from './config.ts';
import { uploadGpt2Weights, type UploadProgress } from './gpu-weights.ts';
import { Gpt2Model } from './model.ts';
import { parseSafetensorsHeader, readSafetensorsHeaderLength, type SafetensorsHeader } from './safetensors.ts';
import { checkGpt2Weights } from './weights.ts';

/** Where a model's two files come from. */
export interface ModelFiles {
  /** What to call the model in messages and caches. */
  name: string;
  readConfig(signal?: AbortSignal): Promise<string>;
  weights: ByteSource;
  /** Another file of the model's folder (e.g. mend_editor.json), or null when there is none. */
  readFile?(name: string, signal?: AbortSignal): Promise<Uint8Array | null>;
}

export type LoadPhase = 'config' | 'header' | 'download' | 'cache' | 'upload' | 'compile';

export interface LoadProgress {
  phase: LoadPhase;
  /** Bytes of weights read so far and in all (0 before the header is known). */
  loaded: number;
  total: number;
  detail?: string;
}

export interface LoadOptions {
  onProgress?: (p: LoadProgress) => void;
  signal?: AbortSignal;
  vocabChunkRows?: number;
}

export interface LoadedHeader {
  config: Gpt2Config;
  header: SafetensorsHeader;
  /** Weight bytes on the GPU. */
  bytes: number;
}

/** Read and validate config + header without touching the GPU (size checks, model pickers). */
export async function readModelHeader(files: ModelFiles, signal?: AbortSignal): Promise<LoadedHeader> {
  const configText = await files.readConfig(signal);
  const config = parseGpt2Config(configText);
  const size = await files.weights.size();
  const first8 = await files.weights.read(0, Math.min(8, size), signal);
  const n = readSafetensorsHeaderLength(first8, size);
  const head = await files.weights.read(0, 8 + n, signal);
  const header = parseSafetensorsHeader(head, size);
  const tensors = checkGpt2Weights(header, config);
  let bytes = 0;
  for (const t of tensors.values()) bytes += t.byteLength;
  return { config, header, bytes };
}

export async function loadGpt2(ctx: GpuContext, files: ModelFiles, opts: LoadOptions = {}): Promise<Gpt2Model> {
  const report = opts.onProgress ?? (() => {});
  report({ phase: 'config', loaded: 0, total: 0, detail: files.name });
  const { config, header, bytes } = await readModelHeader(files, opts.signal);
  report({ phase: 'header', loaded: 0, total: bytes });
  const budget = ctx.limits.maxBufferSize;
  const largestNonEmbedding = Math.max(...header.tensors.filter((t) => !t.name.endsWith('wte.weight')).map((t) => t.byteLength));
  if (largestNonEmbedding > Math.min(budget, ctx.limits.maxStorageBufferBindingSize)) {
    throw new GpuError('out-of-memory', `${files.name}: a ${(largestNonEmbedding / 2 ** 20).toFixed(0)} MiB tensor exceeds this device's largest binding`);
  }
  const tensors = checkGpt2Weights(header, config);
  const weights = await uploadGpt2Weights(ctx, config, tensors, files.weights, {
    signal: opts.signal,
    vocabChunkRows: opts.vocabChunkRows,
    onProgress: (p: UploadProgress) =>
      report({ phase: p.from === 'network' ? 'download' : p.from === 'cache' ? 'cache' : 'upload', loaded: p.loaded, total: p.total, detail: p.tensor }),
  });
  report({ phase: 'compile', loaded: bytes, total: bytes });
  return new Gpt2Model(ctx, config, weights);
}

/** The response, or a SourceError saying the server could not be reached (a cancel stays a cancel). */
async function reach(url: string, fetchFn: typeof fetch, signal?: AbortSignal): Promise<Response> {
  try {
    return await fetchFn(url, { signal: signal ?? null });
  } catch (e) {
    if (signal?.aborted) throw e;
    throw new SourceError(`could not reach ${url}: ${e instanceof Error ? e.message : e}`);
  }
}

async function fetchText(url: string, fetchFn: typeof fetch, signal?: AbortSignal): Promise<string> {
  const res = await reach(url, fetchFn, signal);
  if (!res.ok) throw new SourceError(`${url}: HTTP ${res.status}${res.status === 404 ? ' (no such model or file)' : ''}`);
  return res.text();
}

/** A file's bytes, or null on 404 (a model folder need not hold it). */
async function fetchOptional(url: string, fetchFn: typeof fetch, signal?: AbortSignal): Promise<Uint8Array | null> {
  const res = await reach(url, fetchFn, signal);
  if (res.status === 404) return null;
  if (!res.ok) throw new SourceError(`${url}: HTTP ${res.status}`);
  return new Uint8Array(await res.arrayBuffer());
}

/** Only plain file names beside the model: no way out of its folder. */
export function checkSiblingName(name: string): string {
  if (!/^[A-Za-z0-9_.-]+$/.test(name) || name.startsWith('.')) throw new SourceError(`"${name}" is not a plain file name`);
  return name;
}

export interface HubOptions {
  /** Hub root; tests point it at a local server. */
  base?: string;
  revision?: string;
  cache?: RangeCache | null;
  fetch?: typeof fetch;
}

/** A model on the Hugging Face hub (or a mirror with the same URL layout). */
export function hubModelFiles(modelId: string, opts: HubOptions = {}): ModelFiles {
  const fetchFn = opts.fetch ?? ((...a: Parameters<typeof fetch>) => fetch(...a));
  return {
    name: modelId,
    readConfig: (signal) => fetchText(hubFileUrl(modelId, 'config.json', opts.base, opts.revision), fetchFn, signal),
    weights: new HttpSource(hubFileUrl(modelId, 'model.safetensors', opts.base, opts.revision), { cache: opts.cache ?? null, fetch: fetchFn }),
    readFile: async (name, signal) => fetchOptional(hubFileUrl(modelId, checkSiblingName(name), opts.base, opts.revision), fetchFn, signal),
  };
}

/** A folder served over HTTP holding config.json and model.safetensors (the bundled demo model). */
export function urlModelFiles(folderUrl: string, opts: { cache?: RangeCache | null; fetch?: typeof fetch } = {}): ModelFiles {
  const base = folderUrl.replace(/\/?$/, '/');
  const fetchFn = opts.fetch ?? ((...a: Parameters<typeof fetch>) => fetch(...a));
  return {
    name: folderUrl,
    readConfig: (signal) => fetchText(base + 'config.json', fetchFn, signal),
    weights: new HttpSource(base + 'model.safetensors', { cache: opts.cache ?? null, fetch: fetchFn }),
    readFile: async (name, signal) => fetchOptional(base + checkSiblingName(name), fetchFn, signal),
  };
}

/** Files picked or dropped in the browser: a config.json and a *.safetensors (model.safetensors first), and any others (a MEND editor). */
export function blobModelFiles(files: ReadonlyArray<File>): ModelFiles {
  const config = files.find((f) => f.name === 'config.json');
  const weights = files.find((f) => f.name === 'model.safetensors') ?? files.find((f) => f.name.endsWith('.safetensors') && !f.name.startsWith('mend_editor'));
  if (!config || !weights) throw new SourceError('pick a folder or files holding config.json and model.safetensors');
  return {
    name: weights.name,
    readConfig: () => config.text(),
    weights: new BlobSource(weights, weights.name),
    readFile: async (name) => {
      const f = files.find((x) => x.name === name);
      return f ? new Uint8Array(await f.arrayBuffer()) : null;
    },
  };
}
