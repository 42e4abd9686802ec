// End-to-end tests in Debian's headless Chromium (Playwright cannot download
// browsers here). dist/ must be built first (`npx vite build`); the web server
// only serves it. Two projects: `webgpu` runs WebGPU on SwiftShader (CPU
// Vulkan); `no-webgpu` runs without those flags, where this Chromium exposes
// navigator.gpu but offers no adapter, so the lab must explain itself.
import { existsSync } from 'node:fs';
import { defineConfig } from '@playwright/test';
import { OFFLINE_FLAGS, WEBGPU_FLAGS } from './e2e/chromium-flags.ts';

if (!existsSync('dist/index.html')) {
  throw new Error('dist/ is not built: run `npx vite build` before `npx playwright test`.');
}

const PORT = Number(process.env.E2E_PORT ?? 4174);

// No device preset: its spoofed user agent would end up in the diagnostics.
const chromium = (args: string[]) => ({
  browserName: 'chromium' as const,
  viewport: { width: 1280, height: 900 },
  launchOptions: { executablePath: '/usr/bin/chromium', args: [...OFFLINE_FLAGS, ...args] },
});

export default defineConfig({
  testDir: 'e2e',
  outputDir: 'test-results/e2e-output',
  fullyParallel: false,
  workers: 1, // two shared CPU cores, and SwiftShader is CPU-bound
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 30_000 },
  reporter: [['list'], ['json', { outputFile: 'test-results/e2e.json' }]],
  use: {
    baseURL: `http://localhost:${PORT}`,
    headless: true,
    trace: 'retain-on-failure',
  },
  projects: [
    { name: 'webgpu', testMatch: /\/(webgpu|classroom)-[^/]*\.spec\.ts$/, use: chromium(WEBGPU_FLAGS) },
    // The static-server spec needs no browser; it rides along here.
    { name: 'no-webgpu', testMatch: /\/(no-webgpu|static-server)\.spec\.ts$/, use: chromium(['--disable-gpu']) },
  ],
  webServer: {
    command: 'node scripts/serve.mjs',
    env: { PORT: String(PORT) },
    url: `http://127.0.0.1:${PORT}/`,
    reuseExistingServer: false,
    timeout: 15_000,
    stdout: 'ignore',
    stderr: 'pipe',
  },
});
