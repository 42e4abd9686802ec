// A local stand-in for the Hugging Face hub: the project's static server
// (scripts/static-server.ts) serving in-memory files under
// /<owner>/<name>/resolve/main/<file>, with Range support and every request
// logged, so the real hub-loading code is tested without a network.
import { startStaticServer } from '../../scripts/static-server.ts';

export interface HubServer {
  base: string;
  requests: Array<{ path: string; range: string | undefined }>;
  close(): Promise<void>;
}

export async function startHubServer(files: Record<string, Uint8Array>, opts: { ignoreRange?: boolean } = {}): Promise<HubServer> {
  const requests: HubServer['requests'] = [];
  const server = await startStaticServer({ files, ranges: !opts.ignoreRange, onRequest: (path, range) => requests.push({ path, range }) });
  return { base: `http://127.0.0.1:${server.port}`, requests, close: () => server.close() };
}

/** An in-memory Cache API stand-in that counts hits. */
export class MemoryCache {
  readonly store = new Map<string, Uint8Array>();
  hits = 0;
  async match(key: string): Promise<Response | undefined> {
    const v = this.store.get(key);
    if (!v) return undefined;
    this.hits++;
    return new Response(v.slice());
  }
  async put(key: string, response: Response): Promise<void> {
    this.store.set(key, new Uint8Array(await response.arrayBuffer()));
  }
}
