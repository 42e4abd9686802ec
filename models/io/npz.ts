// numpy .npz archives (np.savez / np.savez_compressed: a ZIP of .npy files),
// read member by member so a remote archive fetches only the arrays asked for.
// ROME's key statistics in this format: editing/rome-covariance.ts.
import { MemorySource, type ByteSource } from './byte-source.ts';
import { parseNpy, type NpyArray } from './npy.ts';
import { readZipDirectory, readZipEntry, type ZipEntry } from './zip.ts';

export class NpzError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NpzError';
  }
}

export interface NpzArchive {
  /** Array names as numpy.load gives them: the member names without ".npy". */
  readonly names: readonly string[];
  /** Read and parse one array (only its own bytes are fetched). */
  read(name: string, signal?: AbortSignal): Promise<NpyArray>;
}

/** Open an .npz: reads its directory now, arrays on demand. */
export async function openNpz(source: ByteSource, signal?: AbortSignal): Promise<NpzArchive> {
  const entries = new Map<string, ZipEntry>();
  for (const entry of await readZipDirectory(source, signal)) {
    if (entry.name.endsWith('/')) continue; // a directory entry
    entries.set(entry.name.endsWith('.npy') ? entry.name.slice(0, -4) : entry.name, entry);
  }
  return {
    names: [...entries.keys()],
    async read(name: string, readSignal?: AbortSignal): Promise<NpyArray> {
      const entry = entries.get(name);
      if (!entry) throw new NpzError(`${source.name} has no array "${name}" (it has: ${[...entries.keys()].join(', ') || 'none'})`);
      return parseNpy(await readZipEntry(source, entry, readSignal), `${source.name}: ${entry.name}`);
    },
  };
}

/** Every array of an .npz held in memory (tests, small files). */
export async function readNpz(bytes: Uint8Array, name = 'archive.npz'): Promise<Map<string, NpyArray>> {
  const archive = await openNpz(new MemorySource(bytes, name));
  const out = new Map<string, NpyArray>();
  for (const key of archive.names) out.set(key, await archive.read(key));
  return out;
}
