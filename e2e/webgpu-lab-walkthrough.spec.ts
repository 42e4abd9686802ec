// A new user's walk through the lab, on the demo model with the small
// settings of lab-helpers.ts: what they hit must not happen again (issue 16).
import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { saveScreenshot, watchProblems } from './support.ts';
import { chooseCounterFact, fastExperiment, labUrl, waitForPoints, waitIdle } from './lab-helpers.ts';

/** Width and height from a PNG's IHDR chunk. */
function pngSize(bytes: Buffer): { width: number; height: number } {
  expect(bytes.subarray(1, 4).toString()).toBe('PNG');
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

test('the PNG is the chart; Apply says why it is disabled and never applies a fact the user is not looking at', async ({ page }) => {
  test.setTimeout(180_000);
  const problems = watchProblems(page);
  await page.goto(labUrl(fastExperiment()));
  await waitForPoints(page, 1);
  await waitIdle(page);

  await test.step('PNG export: the whole chart at 2x, not a legend icon', async () => {
    const chart = await page.getByTestId('collapse-chart').locator('svg').evaluateAll((svgs) =>
      svgs.map((s) => s.getBoundingClientRect()).reduce((a, r) => (r.width * r.height > a.width * a.height ? r : a)),
    );
    expect(chart.width).toBeGreaterThan(300);
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-png').click()]);
    const size = pngSize(readFileSync(await download.path()));
    expect(size).toEqual({ width: Math.ceil(chart.width * 2), height: Math.ceil(chart.height * 2) });
  });

  await test.step('no fact chosen: Apply is disabled and says so', async () => {
    await expect(page.getByTestId('apply-edit')).toBeDisabled();
    await expect(page.getByTestId('apply-blocked')).toContainText('Choose a fact');
  });

  await test.step('an invalid custom fact never applies the CounterFact fact chosen before', async () => {
    await chooseCounterFact(page, 20952);
    await expect(page.getByTestId('apply-edit')).toBeEnabled();
    await page.getByTestId('facts-tab-custom').click();
    await page.getByTestId('fact-subject').fill('');
    await expect(page.getByTestId('fact-subject-error')).toBeVisible();
    await expect(page.getByTestId('apply-edit')).toBeDisabled();
    await expect(page.getByTestId('apply-blocked')).toContainText('Name the subject');
    await page.getByTestId('fact-subject').fill('LeBron James');
    await expect(page.getByTestId('apply-edit')).toBeEnabled();
    await expect(page.getByTestId('chosen-fact')).toContainText('LeBron James plays the sport of');
  });

  await test.step('a prompt longer than the model’s positions: Apply disabled with the reason', async () => {
    // Under the form's 500 characters, but about 300 tokens for a 128-position model.
    await page.getByTestId('fact-prompt').fill(`{} ${'a, '.repeat(150)}plays`);
    await expect(page.getByTestId('fact-prompt-error')).toHaveCount(0);
    await expect(page.getByTestId('apply-blocked')).toContainText(/needs \d+ token positions .* the model has 128/, { timeout: 30_000 });
    await expect(page.getByTestId('apply-edit')).toBeDisabled();
    await saveScreenshot(page, 'lab-fact-too-long');
  });

  expect(problems.errors).toEqual([]);
  expect(problems.consoleErrors).toEqual([]);
});
