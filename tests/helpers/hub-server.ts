// A local stand-in for the Hugging Face hub: serves files under
// /<owner>/<name>/resolve/main/<file> with HTTP Range support, so the real
// hub-loading code is tested without a network. `files` maps URL paths to bytes.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface HubServer {
  base: string;
  requests: Array<{ path: string; range: string | undefined }>;
  close(): Promise<void>;
}

export async function startHubServer(files: Record<string, Uint8Array>, opts: { ignoreRange?: boolean } = {}): Promise<HubServer> {
  const requests: HubServer['requests'] = [];
  const server: Server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const range = req.headers.range;
    requests.push({ path, range });
    const body = files[path];
    if (!body) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('Entry not found');
      return;
    }
    const m = /^bytes=(\d+)-(\d*)$/.exec(range ?? '');
    if (m && !opts.ignoreRange) {
      const start = Number(m[1]);
      const end = m[2] ? Math.min(Number(m[2]), body.byteLength - 1) : body.byteLength - 1;
      if (start >= body.byteLength || end < start) {
        res.writeHead(416, { 'content-range': `bytes */${body.byteLength}` }).end();
        return;
      }
      res.writeHead(206, {
        'content-range': `bytes ${start}-${end}/${body.byteLength}`,
        'content-length': String(end - start + 1),
        'accept-ranges': 'bytes',
      });
      res.end(Buffer.from(body.buffer, body.byteOffset + start, end - start + 1));
      return;
    }
    res.writeHead(200, { 'content-length': String(body.byteLength) });
    res.end(Buffer.from(body.buffer, body.byteOffset, body.byteLength));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
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
