// Runs the benchmark page once in headless Chromium (Debian's, with WebGPU on
// whatever adapter it finds; SwiftShader on a machine without a GPU) and
// returns the page's result. The browser is always closed.
import { chromium } from 'playwright-core';
import { OFFLINE_FLAGS, WEBGPU_FLAGS } from '../e2e/chromium-flags.ts';
import type { BenchPlan, BenchResult } from './plan.ts';

export const CHROMIUM = process.env.BENCH_CHROMIUM ?? '/usr/bin/chromium';

const ARGS = [...WEBGPU_FLAGS, ...OFFLINE_FLAGS];

export async function runBenchPage(
  pageUrl: string,
  plan: BenchPlan,
  opts: { timeoutMinutes: number; headed: boolean; log: (line: string) => void },
): Promise<BenchResult> {
  // BENCH_GPU=1 leaves the adapter choice to Chromium (a real GPU where there is one).
  const args = process.env.BENCH_GPU ? ARGS.filter((a) => !/swiftshader|Vulkan/.test(a)) : ARGS;
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: !opts.headed, args });
  try {
    const page = await browser.newPage();
    page.on('console', (m) => {
      const text = m.text();
      if (text.startsWith('[bench] ')) opts.log(text.slice(8));
      else if (m.type() === 'error') opts.log(`page error: ${text}`);
    });
    page.on('pageerror', (e) => opts.log(`page exception: ${e.message}`));
    await page.goto(`${pageUrl}/?plan=${encodeURIComponent(JSON.stringify(plan))}`);
    const handle = await page.waitForFunction(() => window.__benchResult ?? (window.__benchError ? { error: window.__benchError } : null), undefined, {
      timeout: opts.timeoutMinutes * 60_000,
      polling: 1000,
    });
    const value = (await handle.jsonValue()) as BenchResult | { error: string };
    if ('error' in value) throw new Error(`the benchmark page failed: ${value.error}`);
    return value;
  } finally {
    await browser.close();
  }
}
