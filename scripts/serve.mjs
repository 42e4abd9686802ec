#!/usr/bin/env node
// Zero-dependency static server for the built lab (dist/).
// Binds to 127.0.0.1 so the page is a secure context (http://localhost) and
// WebGPU is exposed. Supports single HTTP Range requests because the model
// loader fetches safetensors tensors by byte range.
//
//   node scripts/serve.mjs [dir]        PORT=5000 node scripts/serve.mjs
//
// It stops on SIGINT/SIGTERM/SIGHUP and when its parent process ends.
import { createServer } from 'node:http';
import { createReadStream, promises as fs } from 'node:fs';
import { extname, resolve, sep, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const HOST = '127.0.0.1';
const PORT = Number(process.env.PORT ?? 4173);
const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const ROOT = resolve(process.argv[2] ?? resolve(REPO_ROOT, 'dist'));

const MIME = {
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
  '.safetensors': 'application/octet-stream',
  '.bin': 'application/octet-stream',
};

/** Resolve a URL path inside ROOT, or null when it is malformed or escapes it. */
function safePath(urlPath) {
  let decoded;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (decoded.includes('\0')) return null;
  const full = resolve(ROOT, '.' + decoded);
  return full === ROOT || full.startsWith(ROOT + sep) ? full : null;
}

async function statFile(path) {
  try {
    const st = await fs.stat(path);
    if (st.isFile()) return { path, st };
    if (st.isDirectory()) return statFile(resolve(path, 'index.html'));
  } catch {
    /* missing */
  }
  return null;
}

/**
 * Parse one `bytes=` range against a size. Returns {start, end} (inclusive),
 * 'ignore' for multi-range requests (served whole, as RFC 9110 allows), or
 * 'bad' (→ 416). Malformed ranges are refused rather than ignored: the only
 * client that sends them is our loader, and a silent 200 would hide its bug.
 */
function parseRange(header, size) {
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m) return header.includes(',') ? 'ignore' : 'bad';
  const [, a, b] = m;
  if (a === '' && b === '') return 'bad';
  if (a === '') {
    const suffix = Number(b);
    if (suffix === 0 || size === 0) return 'bad';
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(a);
  const end = b === '' ? size - 1 : Math.min(Number(b), size - 1);
  if (start >= size || start > end) return 'bad';
  return { start, end };
}

async function handle(req, res) {
  res.setHeader('X-Content-Type-Options', 'nosniff');
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { Allow: 'GET, HEAD' }).end();
    return;
  }
  const urlPath = new URL(req.url ?? '/', 'http://localhost').pathname;
  const target = safePath(urlPath);
  if (!target) {
    res.writeHead(400, { 'Content-Type': 'text/plain' }).end('Bad path\n');
    return;
  }
  let file = await statFile(target);
  // SPA fallback only for extension-less (route-like) paths: a missing
  // model or data file must stay a 404, not turn into HTML.
  if (!file && extname(urlPath) === '') file = await statFile(resolve(ROOT, 'index.html'));
  if (!file) {
    res.writeHead(404, { 'Content-Type': 'text/plain' }).end('Not found\n');
    return;
  }

  const { path, st } = file;
  const size = st.size;
  const headers = {
    'Content-Type': MIME[extname(path).toLowerCase()] ?? 'application/octet-stream',
    'Accept-Ranges': 'bytes',
    'Last-Modified': st.mtime.toUTCString(),
    // Vite's hashed assets never change; everything else is revalidated.
    'Cache-Control': urlPath.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
  };

  let status = 200;
  let start = 0;
  let end = size - 1;
  const rangeHeader = req.headers.range;
  if (rangeHeader) {
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
  if (req.method === 'HEAD' || length === 0) {
    res.end();
    return;
  }
  const stream = createReadStream(path, { start, end });
  stream.on('error', () => res.destroy());
  stream.pipe(res);
}

const server = createServer((req, res) => {
  handle(req, res).catch((e) => {
    console.error(e);
    if (!res.headersSent) res.writeHead(500).end();
    else res.destroy();
  });
});

server.on('error', (e) => {
  console.error(e.code === 'EADDRINUSE' ? `Port ${PORT} is in use; set PORT to another one.` : e.message);
  process.exit(1);
});

fs.stat(resolve(ROOT, 'index.html'))
  .catch(() => console.warn(`Warning: ${ROOT}/index.html is missing; run \`npx vite build\` first.`))
  .finally(() => {
    server.listen(PORT, HOST, () => {
      console.log(`Butterfly Lab: http://localhost:${PORT}/`);
    });
  });

function shutdown() {
  server.close(() => process.exit(0));
  server.closeAllConnections(); // keep-alive sockets would delay close()
  setTimeout(() => process.exit(0), 2000).unref();
}

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, shutdown);

// Exit with the parent: `npm start` runs this under npm (through a shell), and
// stopping npm by its PID, even with SIGKILL, must not leave the port served.
// (process.ppid is read once at start-up, so ask whether that process lives.)
const parentPid = process.ppid;
function parentAlive() {
  try {
    process.kill(parentPid, 0);
    return true;
  } catch (e) {
    return e.code === 'EPERM'; // alive, but not ours to signal
  }
}
if (parentPid > 1) {
  setInterval(() => {
    if (!parentAlive()) {
      console.log('Butterfly Lab: the parent process ended; stopping the server.');
      shutdown();
    }
  }, 500).unref();
}
