// The Lab's host environment in Node (the CLI, benchmarks, tests): the
// tokenizer and the shipped assets from public/ on disk, key statistics
// cached as files (.cache/stats, or $BUTTERFLY_CACHE/stats).
import { readFile } from 'node:fs/promises';
import { dirname, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LabEnv } from '../models/lab.ts';
import { NodeStatsStore } from '../models/editing/stats-cache-node.ts';
import type { StatsStore } from '../models/editing/stats-cache.ts';
import type { Gpt2Tokenizer } from '../models/tokenizer/gpt2-tokenizer.ts';
import { loadGpt2TokenizerFromDir } from '../models/tokenizer/tokenizer-node.ts';
import { NodeFileSource } from '../models/io/byte-source-node.ts';
import { HttpSource } from '../models/io/http-source.ts';

/** The repository's public/ folder: what the browser app serves at its root. */
export const PUBLIC_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../public');

export interface NodeLabEnvOptions {
  publicDir?: string;
  /** null: no statistics cache. Default: a NodeStatsStore in its default folder. */
  statsStore?: StatsStore | null;
}

export function nodeLabEnv(options: NodeLabEnvOptions = {}): LabEnv {
  const root = options.publicDir ?? PUBLIC_DIR;
  let tok: Gpt2Tokenizer | null = null;
  return {
    tokenizer: async () => (tok ??= loadGpt2TokenizerFromDir(resolve(root, 'tokenizer/gpt2'))),
    readAsset: async (path: string, signal?: AbortSignal) => {
      const file = resolve(root, path);
      // Asset paths come from dataset tables, but never let one climb out of public/.
      const rel = relative(root, file);
      if (rel.startsWith('..') || rel.startsWith(sep)) throw new Error(`asset path "${path}" is outside ${root}`);
      try {
        return await readFile(file, { encoding: 'utf8', signal });
      } catch (e) {
        if ((e as { name?: string }).name === 'AbortError') throw e;
        throw new Error(`cannot read asset ${path} (${file})`);
      }
    },
    statsStore: options.statsStore === undefined ? new NodeStatsStore() : options.statsStore,
    openBytes: (location: string) => (/^https?:\/\//.test(location) ? new HttpSource(location) : new NodeFileSource(location)),
  };
}
