// Without WebGPU flags, this Chromium exposes navigator.gpu but returns no
// adapter; other browsers lack navigator.gpu altogether. Either way the page
// must explain what is wrong and what to do, without crashing.
import { expect, test } from '@playwright/test';
import { saveScreenshot, watchProblems } from './support.ts';

test('without WebGPU the page explains why and what to do', async ({ page }) => {
  const problems = watchProblems(page);
  await page.goto('/');

  const explanation = page.getByTestId('webgpu-unavailable');
  await expect(explanation).toBeVisible();
  await expect(explanation).toHaveAttribute('data-kind', /^(no-webgpu|no-adapter)$/);
  await expect(page.getByTestId('unavailable-title')).not.toBeEmpty();
  await expect(explanation).toContainText('chrome://gpu');
  await expect(explanation).toContainText('--enable-unsafe-webgpu');
  await expect(page.getByTestId('unavailable-message')).not.toBeEmpty();
  await expect(page.getByTestId('gpu-status')).toHaveAttribute('data-status', 'failed');
  await expect(page.getByTestId('diagnostics')).toHaveCount(0);
  await expect(page.getByTestId('lab')).toHaveCount(0);
  await saveScreenshot(page, 'no-webgpu');

  // Asking again must fail the same way, not crash.
  const retry = page.getByTestId('retry-button');
  if (await retry.isVisible()) {
    await retry.click();
    await expect(explanation).toBeVisible();
  }

  expect(problems.errors).toEqual([]);
  expect(problems.consoleErrors).toEqual([]);
});

test('without WebGPU, results computed elsewhere still plot', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByTestId('webgpu-unavailable')).toBeVisible();
  const line = (v: unknown) => JSON.stringify(v) + '\n';
  const text = line({ type: 'baseline', metrics: { me_ppl: 20, ppl_corpus: 20, tasks: {} } }) + [0, 1, 2].map((k) => line({ type: 'step', index: k, metrics: { me_ppl: 20 * (k + 2), ppl_corpus: 1, tasks: {} } })).join('');
  await page.getByTestId('open-results-input').setInputFiles({ name: 'steps.jsonl', mimeType: 'application/json', buffer: Buffer.from(text) });
  await expect(page.getByTestId('collapse-chart')).toHaveAttribute('data-series', '1');
  await expect(page.getByTestId('collapse-chart').locator('.recharts-legend-item')).toHaveText(['steps.jsonl (imported) ME-PPL']);
});
