// The one static file server: `npm start` (scripts/serve.ts over dist/), the
// benchmark page (bench/run.ts: several folders under URL prefixes, optional
// cross-origin isolation for onnxruntime-web's wasm threads) and the tests'
// stand-in for the Hugging Face hub (tests/helpers/hub-server.ts: files held
// in memory, requests logged). Single HTTP Range requests are served because
// the model loader reads safetensors tensor by tensor. Binds 127.0.0.1 so
// http://localhost is a secure context (WebGPU needs one).
import { createReadStream, promises as fs } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, resolve, sep } from 'node:path';

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.wgsl': 'text/plain; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.md': 'text/plain; charset=utf-8',
  '.bpe': 'text/plain; charset=utf-8',
  '.csv': 'text/csv; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.webmanifest': 'application/manifest+json',
  '.woff2': 'font/woff2',
};

export interface StaticServerOptions {
  /** URL prefix ('/', '/ort/', ...) → folder. The longest matching prefix wins. */
  mounts?: Record<string, string>;
  /** URL path → bytes held in memory (tried before the mounts). */
  files?: Record<string, Uint8Array>;
  /** 0 (default): any free port. */
  port?: number;
  /** Send COOP/COEP so the page is cross-origin isolated (SharedArrayBuffer, wasm threads). */
  crossOriginIsolate?: boolean;
  /** A missing extension-less path (a client-side route) gets /index.html; a missing file stays a 404. */
  spaFallback?: boolean;
  /** Paths under this prefix are content-hashed and cached for a year (Vite's /assets/). */
  immutablePrefix?: string;
  /** false: ignore Range and send whole files (a server without range support, for tests). */
  ranges?: boolean;
  /** Every request, as received. */
  onRequest?(path: string, range: string | undefined): void;
}

export interface StaticServer {
  /** http://localhost:<port> */
  url: string;
  port: number;
  close(): Promise<void>;
}

/** What a path names: bytes in memory or a file on disk. */
type Found = { bytes: Uint8Array; name: string; mtime?: undefined } | { path: string; name: string; size: number; mtime: Date };

/**
 * Parse one `bytes=` range against a size: {start, end} (inclusive), 'ignore'
 * for multi-range requests (served whole, as RFC 9110 allows), or 'bad' (416).
 * Malformed ranges are refused rather than ignored: the only client that sends
 * them is our loader, and a silent 200 would hide its bug.
 */
export function parseRange(header: string, size: number): { start: number; end: number } | 'ignore' | 'bad' {
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m) return header.includes(',') ? 'ignore' : 'bad';
  const [, a = '', b = ''] = m;
  if (a === '' && b === '') return 'bad';
  if (a === '') {
    const suffix = Number(b);
    if (suffix === 0 || size === 0) return 'bad';
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(a);
  const end = b === '' ? size - 1 : Math.min(Number(b), size - 1);
  return start >= size || start > end ? 'bad' : { start, end };
}

async function fileAt(path: string): Promise<Found | null> {
  const st = await fs.stat(path).catch(() => null);
  if (st?.isFile()) return { path, name: path, size: st.size, mtime: st.mtime };
  if (st?.isDirectory()) return fileAt(resolve(path, 'index.html'));
  return null;
}

export function startStaticServer(opts: StaticServerOptions): Promise<StaticServer> {
  const mounts = Object.entries(opts.mounts ?? {})
    .map(([prefix, dir]): [string, string] => [prefix.endsWith('/') ? prefix : prefix + '/', resolve(dir)])
    .sort((a, b) => b[0].length - a[0].length);
  const files = opts.files ?? {};

  /** The file a decoded URL path names; 'outside' when it escapes its folder. */
  async function locate(path: string): Promise<Found | null | 'outside'> {
    const bytes = files[path];
    if (bytes) return { bytes, name: path };
    for (const [prefix, dir] of mounts) {
      if (!(path + '/').startsWith(prefix)) continue;
      const full = resolve(dir, '.' + path.slice(prefix.length - 1));
      if (full !== dir && !full.startsWith(dir + sep)) return 'outside';
      return fileAt(full);
    }
    return null;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    res.setHeader('X-Content-Type-Options', 'nosniff');
    if (opts.crossOriginIsolate) {
      res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
      res.setHeader('Cross-Origin-Embedder-Policy', 'require-corp');
    }
    const urlPath = new URL(req.url ?? '/', 'http://localhost').pathname;
    let path: string;
    try {
      path = decodeURIComponent(urlPath);
    } catch {
      path = '\0';
    }
    opts.onRequest?.(path, req.headers.range);
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD' }).end();
      return;
    }
    let found = path.includes('\0') ? 'outside' : await locate(path);
    if (found === 'outside') {
      res.writeHead(400, { 'Content-Type': 'text/plain' }).end('Bad path\n');
      return;
    }
    if (!found && opts.spaFallback && extname(urlPath) === '') {
      const index = await locate('/index.html');
      found = index === 'outside' ? null : index;
    }
    if (!found) {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('Not found\n');
      return;
    }

    const size = 'bytes' in found ? found.bytes.byteLength : found.size;
    const headers: Record<string, string> = {
      'Content-Type': MIME[extname(found.name).toLowerCase()] ?? 'application/octet-stream',
      'Accept-Ranges': opts.ranges === false ? 'none' : 'bytes',
      'Cache-Control': opts.immutablePrefix && urlPath.startsWith(opts.immutablePrefix) ? 'public, max-age=31536000, immutable' : 'no-cache',
    };
    if (found.mtime) headers['Last-Modified'] = found.mtime.toUTCString();
    let status = 200;
    let start = 0;
    let end = size - 1;
    const rangeHeader = req.headers.range;
    if (rangeHeader && opts.ranges !== false) {
      const range = parseRange(rangeHeader, size);
      if (range === 'bad') {
        res.writeHead(416, { 'Content-Range': `bytes */${size}`, 'Accept-Ranges': 'bytes' }).end();
        return;
      }
      if (range !== 'ignore') {
        ({ start, end } = range);
        status = 206;
        headers['Content-Range'] = `bytes ${start}-${end}/${size}`;
      }
    }
    const length = size === 0 ? 0 : end - start + 1;
    headers['Content-Length'] = String(length);
    res.writeHead(status, headers);
    if (req.method === 'HEAD' || length === 0) res.end();
    else if ('bytes' in found) res.end(Buffer.from(found.bytes.buffer, found.bytes.byteOffset + start, length));
    else createReadStream(found.path, { start, end }).on('error', () => res.destroy()).pipe(res);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((e) => {
      console.error(e);
      if (res.headersSent) res.destroy();
      else res.writeHead(500).end();
    });
  });
  return new Promise((resolveStart, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolveStart({
        url: `http://localhost:${port}`,
        port,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections(); // keep-alive sockets would delay close()
          }),
      });
    });
  });
}
