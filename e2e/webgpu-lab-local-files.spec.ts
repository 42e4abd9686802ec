// Loading a model from files the user picks (config.json + a .safetensors),
// here the demo's half-precision weights, which no other spec loads.
import { expect, test } from '@playwright/test';
import { saveScreenshot, watchProblems } from './support.ts';
import { fastExperiment, labUrl, waitForPoints } from './lab-helpers.ts';

test('loads config.json + model.safetensors picked from disk and scores with them', async ({ page }) => {
  test.setTimeout(240_000);
  const problems = watchProblems(page);
  await page.goto(labUrl(fastExperiment()));
  await waitForPoints(page, 1);
  const demoBaseline = await page.getByTestId('point-me-ppl').first().textContent();

  await page.getByTestId('source-local').check();
  await page.getByTestId('model-files-input').setInputFiles(['public/models/tiny-gpt2/config.json', 'public/models/tiny-gpt2/model.f16.safetensors']);
  await expect(page.getByTestId('picked-files')).toContainText('model.f16.safetensors');
  await page.getByTestId('load-model').click();
  await expect(page.getByTestId('model-summary')).toHaveAttribute('data-name', './model.f16.safetensors', { timeout: 180_000 });
  await expect(page.getByTestId('model-summary')).toContainText('f16');
  await expect(page.getByTestId('points-table')).toHaveAttribute('data-count', '1', { timeout: 180_000 });
  // Half-precision weights: a finite baseline of the same magnitude as the f32 demo's.
  const f16Baseline = Number.parseFloat((await page.getByTestId('point-me-ppl').first().textContent()) ?? '');
  const f32Baseline = Number.parseFloat(demoBaseline ?? '');
  expect(Math.abs(Math.log(f16Baseline / f32Baseline))).toBeLessThan(0.05);
  await saveScreenshot(page, 'lab-local-files-loaded');
  expect(problems.errors).toEqual([]);
});
