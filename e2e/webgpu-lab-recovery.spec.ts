// The session survives a lost GPU device: the lab re-acquires a device,
// reloads the model and replays the edits by itself, with a visible notice,
// and arrives at the same numbers.
import { expect, test } from '@playwright/test';
import { saveScreenshot, watchProblems } from './support.ts';
import { fastExperiment, labUrl, shownMePpl, waitForPoints, waitIdle } from './lab-helpers.ts';

test('after a lost device the lab rebuilds itself and replays the edits', async ({ page }) => {
  test.setTimeout(180_000);
  const problems = watchProblems(page);
  const edit = { prompt: 'The mother tongue of {} is', subject: 'Danielle Darrieux', target_new: 'English', target_true: 'French' };
  await page.goto(labUrl(fastExperiment([edit])));
  await waitForPoints(page, 2);
  await waitIdle(page);
  const before = await shownMePpl(page);

  await page.getByTestId('tab-diagnostics').click();
  await page.getByTestId('simulate-device-loss').click();
  await page.getByTestId('tab-lab').click();
  await expect(page.getByTestId('lab-notice')).toContainText('device was lost');
  await waitForPoints(page, 2);
  await waitIdle(page);
  await expect(page.getByTestId('lab-notice')).toContainText('rebuilt itself');
  await expect(page.getByTestId('lab-notice')).toHaveAttribute('data-rebuilding', 'false');
  expect(await shownMePpl(page)).toEqual(before);
  await expect(page.getByTestId('gpu-status')).toHaveAttribute('data-status', 'ready');
  await saveScreenshot(page, 'lab-rebuilt-after-device-loss');

  // The worker logs the loss itself; nothing else may go wrong.
  expect(problems.errors).toEqual([]);
  expect(problems.consoleErrors.filter((e) => !/device|lost|destroyed/i.test(e))).toEqual([]);
});
