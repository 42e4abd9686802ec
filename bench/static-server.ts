// A small static server for the benchmark: several folders mounted under URL
// prefixes (the built page, onnxruntime-web's dist, the model folders), single
// Range requests (our loader reads safetensors by byte range), and optional
// cross-origin isolation headers (which let onnxruntime-web's wasm use threads).
// Binds 127.0.0.1 so http://localhost is a secure context (WebGPU needs one).
import { createReadStream, promises as fs } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, resolve, sep } from 'node:path';

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
};

export interface StaticServer {
  url: string;
  close(): Promise<void>;
}

export interface StaticServerOptions {
  /** URL prefix ('/', '/ort/', ...) → folder. The longest matching prefix wins. */
  mounts: Record<string, string>;
  port?: number;
  /** Send COOP/COEP so the page is cross-origin isolated (SharedArrayBuffer, wasm threads). */
  crossOriginIsolate?: boolean;
}

function locate(mounts: Array<[string, string]>, urlPath: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  for (const [prefix, dir] of mounts) {
    if (!decoded.startsWith(prefix)) continue;
    const full = resolve(dir, '.' + decoded.slice(prefix.length - 1));
    return full === dir || full.startsWith(dir + sep) ? full : null;
  }
  return null;
}

/** {start, end} inclusive, null to send the whole file, 'bad' for 416. */
function parseRange(header: string | undefined, size: number): { start: number; end: number } | null | 'bad' {
  if (!header) return null;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m) return 'bad';
  const [, a = '', b = ''] = m;
  if (a === '') return b === '' || Number(b) === 0 ? 'bad' : { start: Math.max(0, size - Number(b)), end: size - 1 };
  const start = Number(a);
  const end = b === '' ? size - 1 : Math.min(Number(b), size - 1);
  return start >= size || start > end ? 'bad' : { start, end };
}

async function handle(mounts: Array<[string, string]>, isolate: boolean, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (isolate) {
    res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
    res.setHeader('Cross-Origin-Embedder-Policy', 'require-corp');
  }
  const urlPath = new URL(req.url ?? '/', 'http://localhost').pathname;
  let path = locate(mounts, urlPath);
  if (path && urlPath.endsWith('/')) path = resolve(path, 'index.html');
  const st = path ? await fs.stat(path).catch(() => null) : null;
  if (!path || !st?.isFile()) {
    res.writeHead(404, { 'Content-Type': 'text/plain' }).end('Not found\n');
    return;
  }
  const range = parseRange(req.headers.range, st.size);
  if (range === 'bad') {
    res.writeHead(416, { 'Content-Range': `bytes */${st.size}` }).end();
    return;
  }
  const { start, end } = range ?? { start: 0, end: st.size - 1 };
  const headers: Record<string, string> = {
    'Content-Type': MIME[extname(path)] ?? 'application/octet-stream',
    'Accept-Ranges': 'bytes',
    'Cache-Control': 'no-cache',
    'Content-Length': String(Math.max(0, end - start + 1)),
  };
  if (range) headers['Content-Range'] = `bytes ${start}-${end}/${st.size}`;
  res.writeHead(range ? 206 : 200, headers);
  if (req.method === 'HEAD' || st.size === 0) {
    res.end();
    return;
  }
  createReadStream(path, { start, end }).on('error', () => res.destroy()).pipe(res);
}

export function startStaticServer(opts: StaticServerOptions): Promise<StaticServer> {
  const mounts = Object.entries(opts.mounts)
    .map(([prefix, dir]): [string, string] => [prefix.endsWith('/') ? prefix : prefix + '/', resolve(dir)])
    .sort((a, b) => b[0].length - a[0].length);
  const server = createServer((req, res) => {
    handle(mounts, opts.crossOriginIsolate ?? false, req, res).catch(() => res.headersSent ? res.destroy() : res.writeHead(500).end());
  });
  return new Promise((resolveStart, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolveStart({
        url: `http://localhost:${port}`,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}
