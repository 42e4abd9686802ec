// scripts/serve.ts (the one static server, scripts/static-server.ts), as the model loader will use it: byte ranges, MIME
// types, the SPA fallback and refusal to leave dist/.
import { expect, test } from '@playwright/test';

test('serves byte ranges (206) and refuses unsatisfiable ones (416)', async ({ request }) => {
  const whole = await request.get('/favicon.svg');
  expect(whole.status()).toBe(200);
  expect(whole.headers()['accept-ranges']).toBe('bytes');
  const size = (await whole.body()).length;

  const head = await request.get('/favicon.svg', { headers: { Range: 'bytes=0-3' } });
  expect(head.status()).toBe(206);
  expect(head.headers()['content-range']).toBe(`bytes 0-3/${size}`);
  expect((await head.body()).toString()).toBe('<svg');

  const tail = await request.get('/favicon.svg', { headers: { Range: 'bytes=-7' } });
  expect(tail.status()).toBe(206);
  expect(tail.headers()['content-range']).toBe(`bytes ${size - 7}-${size - 1}/${size}`);

  const open = await request.get('/favicon.svg', { headers: { Range: `bytes=${size - 2}-` } });
  expect(open.status()).toBe(206);
  expect((await open.body()).length).toBe(2);

  for (const range of [`bytes=${size}-`, 'bytes=5-2', 'bytes=x-1', 'items=0-1']) {
    const bad = await request.get('/favicon.svg', { headers: { Range: range } });
    expect(bad.status(), range).toBe(416);
    expect(bad.headers()['content-range'], range).toBe(`bytes */${size}`);
  }
});

test('MIME types, SPA fallback, 404s and path traversal', async ({ request }) => {
  const index = await request.get('/');
  expect(index.headers()['content-type']).toContain('text/html');

  const route = await request.get('/some/lab/route');
  expect(route.status()).toBe(200);
  expect(await route.text()).toContain('<div id="root">');

  // A missing file with an extension must stay a 404, never become HTML.
  expect((await request.get('/models/missing.safetensors')).status()).toBe(404);

  const html = await index.text();
  const script = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
  expect(script).toBeTruthy();
  expect((await request.get(script!)).headers()['content-type']).toContain('text/javascript');

  const escape = await request.get('/..%2f..%2f..%2fetc%2fpasswd');
  expect(escape.status()).toBe(400);
  expect(await escape.text()).not.toContain('root:');
});
