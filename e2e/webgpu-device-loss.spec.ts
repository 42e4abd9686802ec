// A lost device is reported to the page, explained, and recoverable.
import { expect, test } from '@playwright/test';
import { saveScreenshot, watchProblems } from './support.ts';
import { fastExperiment } from './lab-helpers.ts';

test('a lost device is explained and the lab reconnects', async ({ page }) => {
  const problems = watchProblems(page);
  // Without a model (a fresh start would load the demo, and a lab with a model
  // rebuilds itself: webgpu-lab-recovery.spec.ts): a saved session waits for
  // the user, so nothing loads.
  await page.addInitScript((exp) => localStorage.setItem('butterfly-lab:experiment', exp), JSON.stringify(fastExperiment([{ prompt: '{} is a', subject: 'Paris', target_new: 'city' }])));
  await page.goto('/');
  await page.getByTestId('tab-diagnostics').click();
  await expect(page.getByTestId('kernel-check')).toHaveAttribute('data-passed', 'true');

  await page.getByTestId('simulate-device-loss').click();
  const explanation = page.getByTestId('webgpu-unavailable');
  await expect(explanation).toHaveAttribute('data-kind', 'device-lost');
  await expect(page.getByTestId('unavailable-title')).toHaveText('The GPU device was lost');
  await expect(page.getByTestId('gpu-status')).toHaveText('GPU lost');
  await saveScreenshot(page, 'webgpu-device-lost');

  await page.getByTestId('retry-button').click();
  await expect(page.getByTestId('diagnostics')).toBeVisible();
  await expect(page.getByTestId('kernel-check')).toHaveAttribute('data-passed', 'true');

  expect(problems.errors).toEqual([]);
  expect(problems.consoleErrors).toEqual([]);
});
