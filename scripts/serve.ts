// `npm start`: the built lab (dist/) on http://localhost:4173 (PORT to change),
// through the one static server (static-server.ts): byte ranges for the model
// loader, a client-side-route fallback to index.html, hashed assets cached.
//
//   npx tsx scripts/serve.ts [dir]        PORT=5000 npx tsx scripts/serve.ts
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
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => void server.close().then(() => process.exit(0)));
} catch (e) {
  const err = e as NodeJS.ErrnoException;
  console.error(err.code === 'EADDRINUSE' ? `Port ${port} is in use; set PORT to another one.` : err.message);
  process.exit(1);
}
