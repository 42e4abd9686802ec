// The lab end to end on the bundled demo model: open a link, apply three
// CounterFact edits (the second and third queue behind the first), see four
// points, undo one (the later edit is recomputed), then open the share link
// in a fresh browser context and get the same numbers.
import { expect, test } from '@playwright/test';
import { saveScreenshot, watchProblems } from './support.ts';
import { chooseCounterFact, fastExperiment, labUrl, shownMePpl, waitForPoints, waitIdle } from './lab-helpers.ts';

// Three records of public/data/counterfact/counterfact_500.json.
const FACTS = [20952, 3648, 819];

test('three edits, undo one, and the share link replays the same values', async ({ page, browser }) => {
  test.setTimeout(300_000);
  const problems = watchProblems(page);
  await page.goto(labUrl(fastExperiment()));
  await waitForPoints(page, 1);
  await waitIdle(page);
  await saveScreenshot(page, 'lab-loaded');

  await test.step('apply three edits, queued behind each other', async () => {
    await chooseCounterFact(page, FACTS[0]!);
    await expect(page.getByTestId('fact-preview')).toBeVisible({ timeout: 60_000 });
    await page.getByTestId('apply-edit').click();
    await expect(page.getByTestId('op-progress')).toHaveAttribute('data-kind', 'edit');
    for (const id of FACTS.slice(1)) {
      await chooseCounterFact(page, id);
      await page.getByTestId('apply-edit').click();
    }
    await expect(page.getByTestId('queued-edit').first()).toBeVisible();
    await saveScreenshot(page, 'lab-edit-running-with-queue');
    await waitForPoints(page, 4);
    await waitIdle(page);
    await expect(page.getByTestId('history-item')).toHaveCount(3);
    await expect(page.getByTestId('edit-details')).toBeVisible();
  });
  const afterThree = await shownMePpl(page);
  expect(afterThree).toHaveLength(4);
  // LAMBADA accuracy (seeded subsample) beside ME-PPL at every point, the baseline included.
  const lambada = await page.getByTestId('point-task-lambada').allTextContents();
  expect(lambada).toHaveLength(4);
  for (const v of lambada) expect(v).toMatch(/^\d+(\.\d)?%$/);
  await expect(page.getByTestId('fact-preview')).toBeVisible({ timeout: 60_000 });
  await saveScreenshot(page, 'lab-three-edits');

  await test.step('undo the second edit: the third is recomputed', async () => {
    await page.getByTestId('history-item').nth(1).getByTestId('undo-edit').click();
    await expect(page.getByTestId('op-progress')).toHaveAttribute('data-kind', 'undo');
    await waitForPoints(page, 3);
    await waitIdle(page);
    await expect(page.getByTestId('history-item')).toHaveCount(2);
  });
  const afterUndo = await shownMePpl(page);
  // The unedited point and the first edit are untouched by undoing the second.
  expect(afterUndo.slice(0, 2)).toEqual(afterThree.slice(0, 2));

  await test.step('cancel an edit half-way: the history stays as it was', async () => {
    await chooseCounterFact(page, FACTS[1]!);
    await page.getByTestId('apply-edit').click();
    await expect(page.getByTestId('op-progress')).toHaveAttribute('data-stage', 'edit', { timeout: 60_000 });
    await page.getByTestId('cancel-op').click();
    await expect(page.getByTestId('lab-notice')).toContainText('cancelled');
    await waitIdle(page);
    await expect(page.getByTestId('points-table')).toHaveAttribute('data-count', '3');
    expect(await shownMePpl(page)).toEqual(afterUndo);
  });

  await test.step('export the curve as CSV, JSON and PNG, and the experiment as JSON', async () => {
    const save = async (testId: string) => {
      const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId(testId).click()]);
      return { name: download.suggestedFilename(), path: await download.path() };
    };
    const { readFileSync } = await import('node:fs');
    const csv = await save('export-csv');
    expect(csv.name).toBe('butterfly-lab-curve.csv');
    expect(readFileSync(csv.path, 'utf8').trimEnd().split('\r\n')).toHaveLength(4); // header + 3 points
    const json = await save('export-json');
    expect(JSON.parse(readFileSync(json.path, 'utf8')).series[0].points).toHaveLength(3);
    const png = await save('export-png');
    expect(readFileSync(png.path).subarray(1, 4).toString()).toBe('PNG');
    const exp = await save('export-experiment');
    const experiment = JSON.parse(readFileSync(exp.path, 'utf8'));
    expect(experiment.model).toBe('public/models/tiny-gpt2');
    expect(experiment.edits).toHaveLength(2);
  });

  const link = await page.getByTestId('share-url').inputValue();
  expect(link).toContain('#exp=');

  await test.step('the share link, opened in a fresh browser, reaches the same numbers', async () => {
    const context = await browser.newContext();
    const fresh = await context.newPage();
    const freshProblems = watchProblems(fresh);
    await fresh.goto(link);
    await waitForPoints(fresh, 3);
    await waitIdle(fresh);
    expect(await shownMePpl(fresh)).toEqual(afterUndo);
    await expect(fresh.getByTestId('history-item')).toHaveCount(2);
    await saveScreenshot(fresh, 'lab-shared-link-replayed');
    expect(freshProblems.errors).toEqual([]);
    expect(freshProblems.consoleErrors).toEqual([]);
    await context.close();
  });

  await test.step('run the same sequence with C-ROME: the ROME curve stays, frozen', async () => {
    await page.getByTestId('compare-run').click();
    await expect(page.getByTestId('op-progress')).toHaveAttribute('data-kind', 'replay');
    await waitIdle(page);
    await expect(page.getByTestId('comparison')).toHaveCount(1);
    await expect(page.getByTestId('setting-method')).toHaveValue('c-rome');
    await expect(page.getByTestId('points-table')).toHaveAttribute('data-count', '3');
    // Two curves (ROME frozen, C-ROME live), each with its ME-PPL and its LAMBADA line.
    await expect(page.locator('[data-testid="collapse-chart"] .recharts-line')).toHaveCount(4);
    await saveScreenshot(page, 'lab-compare-rome-c-rome');
  });

  expect(problems.errors).toEqual([]);
  expect(problems.consoleErrors).toEqual([]);
});
