// scripts/serve.ts stops with the process that started it: `npm start` runs
// it under npm and a shell, and stopping npm by its PID (even with SIGKILL)
// must not leave the server holding the port.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = mkdtempSync(join(tmpdir(), 'serve-parent-'));
writeFileSync(join(root, 'index.html'), '<!doctype html><div id="root"></div>');

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function waitFor(cond: () => Promise<boolean>, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await cond()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return cond();
}

/** A shell (as npm runs scripts) that starts the server and waits, like `npm start` without exec. */
async function startUnderShell(port: number) {
  const shell = spawn('sh', ['-c', `node --import tsx scripts/serve.ts ${JSON.stringify(root)}; echo done`], { env: { ...process.env, PORT: String(port) }, stdio: 'ignore' });
  expect(await waitFor(() => listening(port), 30_000)).toBe(true);
  return shell;
}

describe('static server and its parent', () => {
  for (const signal of ['SIGKILL', 'SIGTERM'] as const) {
    it(`stops when its parent is stopped with ${signal}`, async () => {
      const port = await freePort();
      const shell = await startUnderShell(port);
      shell.kill(signal);
      expect(await waitFor(async () => !(await listening(port)), 30_000)).toBe(true);
    });
  }

  it('keeps serving while its parent lives', async () => {
    const port = await freePort();
    const shell = await startUnderShell(port);
    await new Promise((r) => setTimeout(r, 1500));
    expect(await listening(port)).toBe(true);
    shell.kill('SIGINT'); // dash passes SIGINT to the foreground child too
    shell.kill('SIGKILL');
    expect(await waitFor(async () => !(await listening(port)), 10_000)).toBe(true);
  });
});
