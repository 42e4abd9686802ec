// The whole lesson, first step to last, in headless Chromium on SwiftShader,
// with a screenshot per step; the numbers it shows come from the real lab.
import { expect, test } from '@playwright/test';
import { saveScreenshot, watchProblems } from './support.ts';
import { performAndWait, unexpectedConsoleErrors } from './classroom-helpers.ts';

test('the butterfly lesson runs from the first step to the last', async ({ page }) => {
  test.setTimeout(1_500_000);
  const problems = watchProblems(page);
  await page.goto('/#lesson=butterfly&step=1');
  await expect(page.getByTestId('lesson-panel')).toBeVisible({ timeout: 60_000 });

  // 1: the model's greedy answers to three facts (loads the model first).
  await performAndWait(page, 1);
  await expect(page.getByTestId('lesson-answer')).toHaveCount(3);
  await expect(page.getByTestId('collapse-chart')).toHaveAttribute('data-points', '1');
  await saveScreenshot(page, 'classroom-step-1');

  // 2: one ROME edit; the rewrite prompt and a paraphrase are asked again.
  await page.getByTestId('lesson-next').click();
  expect(new URL(page.url()).hash).toMatch(/^#lesson=butterfly&step=2&exp=/);
  await performAndWait(page, 2);
  await expect(page.getByTestId('collapse-chart')).toHaveAttribute('data-points', '2');
  await expect(page.getByTestId('lesson-answer')).toHaveCount(2);
  await expect(page.getByTestId('lesson-summary')).toContainText('ROME: ME-PPL');
  await saveScreenshot(page, 'classroom-step-2');

  // 3: a neighbour is asked; asking changes nothing on the chart.
  await page.getByTestId('lesson-next').click();
  await performAndWait(page, 3);
  await expect(page.getByTestId('lesson-answer')).toHaveCount(1);
  await expect(page.getByTestId('collapse-chart')).toHaveAttribute('data-points', '2');
  await saveScreenshot(page, 'classroom-step-3');

  // 4: the mined collapse-prone edit with ROME, on the original model with the miner's settings: it collapses.
  await page.getByTestId('lesson-next').click();
  await performAndWait(page, 4);
  await expect(page.getByTestId('collapse-chart')).toHaveAttribute('data-points', '2');
  await expect(page.getByTestId('lesson-summary')).toContainText(/ROME: ME-PPL .* → .*: the model collapsed\. The hard-case miner flagged/);
  await expect(page.getByTestId('lesson-generation-after')).toBeVisible();
  await saveScreenshot(page, 'classroom-step-4');

  // 5: undone exactly: back to the unedited point.
  await page.getByTestId('lesson-next').click();
  await performAndWait(page, 5);
  await expect(page.getByTestId('collapse-chart')).toHaveAttribute('data-points', '1');
  await expect(page.getByTestId('lesson-summary')).toContainText('Undone: 0 edits left');
  await saveScreenshot(page, 'classroom-step-5');

  // 6: the same edit with AlphaEdit (kept as a frozen curve) and with C-ROME: both hold.
  await page.getByTestId('lesson-next').click();
  await performAndWait(page, 6);
  await expect(page.getByTestId('collapse-chart')).toHaveAttribute('data-points', '2');
  await expect(page.getByTestId('collapse-chart')).toHaveAttribute('data-series', '2');
  await expect(page.getByTestId('lesson-summary')).toContainText(/C-ROME: ME-PPL .* → .*: the model held\. AlphaEdit: ME-PPL .* → .*: the model held\./);
  await saveScreenshot(page, 'classroom-step-6');

  // 7: a sequential run of normal edits.
  await page.getByTestId('lesson-next').click();
  await performAndWait(page, 7, 900_000);
  await expect(page.getByTestId('collapse-chart')).toHaveAttribute('data-series', '1');
  const points = Number(await page.getByTestId('collapse-chart').getAttribute('data-points'));
  expect(points).toBeGreaterThanOrEqual(4);
  await expect(page.getByTestId('lesson-summary')).toContainText(`${points - 1} edits in a row`);
  await expect(page.getByTestId('lesson-next')).toBeDisabled();
  await saveScreenshot(page, 'classroom-step-7');

  expect(problems.errors).toEqual([]);
  expect(unexpectedConsoleErrors(problems.consoleErrors)).toEqual([]);
});
