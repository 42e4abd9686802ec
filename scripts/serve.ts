// `npm start`: the built lab (dist/) on http://localhost:4173 (PORT to change),
// through the one static server (static-server.ts): byte ranges for the model
// loader, a client-side-route fallback to index.html, hashed assets cached.
//
//   node --import tsx scripts/serve.ts [dir]        PORT=5000 npm start
// (one process, no tsx wrapper, so its parent is npm's shell: it stops with it.)
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startStaticServer } from './static-server.ts';

const root = resolve(process.argv[2] ?? resolve(dirname(fileURLToPath(import.meta.url)), '..', 'dist'));
const port = Number(process.env.PORT ?? 4173);
if (!existsSync(resolve(root, 'index.html'))) console.warn(`Warning: ${root}/index.html is missing; run \`npx vite build\` first.`);
try {
  const server = await startStaticServer({ mounts: { '/': root }, port, spaFallback: true, immutablePrefix: '/assets/' });
  console.log(`Butterfly Lab: ${server.url}/`);
  const shutdown = () => {
    void server.close().then(() => process.exit(0));
    setTimeout(() => process.exit(0), 2000).unref(); // keep-alive sockets must not hold the port
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, shutdown);
  // Exit with the parent: `npm start` runs this under npm, and stopping npm by
  // its PID, even with SIGKILL, must not leave the port served. (process.ppid
  // is read once at start-up, so ask whether that process lives.)
  const parentPid = process.ppid;
  const parentAlive = () => {
    try {
      process.kill(parentPid, 0);
      return true;
    } catch (e) {
      return (e as NodeJS.ErrnoException).code === 'EPERM'; // alive, but not ours to signal
    }
  };
  if (parentPid > 1) {
    setInterval(() => {
      if (!parentAlive()) {
        console.log('Butterfly Lab: the parent process ended; stopping the server.');
        shutdown();
      }
    }, 500).unref();
  }
} catch (e) {
  const err = e as NodeJS.ErrnoException;
  console.error(err.code === 'EADDRINUSE' ? `Port ${port} is in use; set PORT to another one.` : err.message);
  process.exit(1);
}
