// The Lab's environment inside the browser worker: the tokenizer and the
// shipped datasets are fetched from the app's own origin (relative to its
// base URL), key statistics are cached in IndexedDB, hub downloads in the
// Cache API when the browser offers it.
import { IdbStatsStore } from '../models/editing/stats-cache-idb.ts';
import { HttpSource, type RangeCache } from '../models/io/http-source.ts';
import type { LabEnv } from '../models/lab.ts';
import { Gpt2Tokenizer } from '../models/tokenizer/gpt2-tokenizer.ts';

const MODEL_CACHE = 'butterfly-lab-models';

/** The app's root URL as seen from the worker (whose own URL is under assets/). */
export function appBaseUrl(): URL {
  return new URL(import.meta.env.BASE_URL, self.location.origin);
}

/** A path under public/ (e.g. "data/me_ppl/ME-PPL_50.json") as an absolute URL. */
export function assetUrl(path: string): string {
  return new URL(path.replace(/^\/+/, ''), appBaseUrl()).href;
}

async function fetchOk(path: string, signal?: AbortSignal): Promise<Response> {
  const res = await fetch(assetUrl(path), { signal: signal ?? null });
  if (!res.ok) throw new Error(`could not read the lab's file ${path}: HTTP ${res.status}`);
  return res;
}

export function browserLabEnv(): LabEnv {
  let tokenizer: Promise<Gpt2Tokenizer> | null = null;
  let statsStore: IdbStatsStore | null = null;
  try {
    if (typeof indexedDB !== 'undefined') statsStore = new IdbStatsStore();
  } catch {
    statsStore = null; // private modes may forbid IndexedDB: statistics are then recomputed per session
  }
  return {
    tokenizer() {
      tokenizer ??= (async () => {
        const [encoder, bpe] = await Promise.all([fetchOk('tokenizer/gpt2/encoder.json'), fetchOk('tokenizer/gpt2/vocab.bpe')]);
        return new Gpt2Tokenizer((await encoder.json()) as Record<string, number>, await bpe.text());
      })();
      tokenizer.catch(() => (tokenizer = null)); // a failed fetch is retried next time
      return tokenizer;
    },
    async readAsset(path, signal) {
      return (await fetchOk(path, signal)).text();
    },
    statsStore,
    // ROME-format .npz statistics shipped with the app (a model folder's stats/).
    // A shared link must not make the page fetch from anywhere else.
    openBytes(location) {
      if (!/^public\/[\w-]+(\/[\w.-]+)*\.npz$/.test(location) || location.includes('..')) {
        throw new Error(`In the browser, .npz statistics must be files shipped with the lab (public/…/*.npz), not “${location.slice(0, 80)}”.`);
      }
      return new HttpSource(assetUrl(location.slice('public/'.length)));
    },
  };
}

/** The Cache API store for hub range reads, or null where the browser has none (insecure pages, some private modes). */
export async function hubRangeCache(): Promise<RangeCache | null> {
  if (typeof caches === 'undefined') return null;
  try {
    const cache = await caches.open(MODEL_CACHE);
    return {
      match: (key) => cache.match(key),
      put: async (key, response) => {
        // A full disk must not fail the load: the bytes are already in hand.
        await cache.put(key, response).catch(() => {});
      },
    };
  } catch {
    return null;
  }
}
