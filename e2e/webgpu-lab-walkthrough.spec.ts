// A new user's walk through the lab with the small settings of lab-helpers.ts:
// what they hit must not happen again (issue 16). The first test runs on the
// fixture (128 positions); the second on the trained demo model, since it
// checks that the demo stays selected after a failed hub load.
import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { saveScreenshot, watchProblems } from './support.ts';
import { DEMO_MODEL_ID } from '../app/model-location.ts';
import { chooseCounterFact, fastExperiment, labUrl, shownMePpl, waitForPoints, waitIdle } from './lab-helpers.ts';
import { decodeShare } from '../app/share-codec.ts';
import { splitHash } from '../app/lesson/hash-params.ts';

/** Width and height from a PNG's IHDR chunk. */
function pngSize(bytes: Buffer): { width: number; height: number } {
  expect(bytes.subarray(1, 4).toString()).toBe('PNG');
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

test('the PNG is the chart; Apply says why it is disabled and never applies a fact the user is not looking at', async ({ page }) => {
  test.setTimeout(300_000);
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
    // The plot at 2x, and under it the key (the legend is HTML outside the SVG): at least one row of 18 px.
    expect(size.width).toBe(Math.ceil(chart.width * 2));
    expect(size.height).toBeGreaterThanOrEqual(Math.ceil((chart.height + 30) * 2));
    expect(size.height).toBeLessThan(Math.ceil((chart.height + 120) * 2));
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
    // Under the form's 500 characters, but about 300 tokens for the fixture's 128 positions.
    await page.getByTestId('fact-prompt').fill(`{} ${'a, '.repeat(150)}plays`);
    await expect(page.getByTestId('fact-prompt-error')).toHaveCount(0);
    await expect(page.getByTestId('apply-blocked')).toContainText(/needs \d+ token positions .* the model has 128/, { timeout: 30_000 });
    await expect(page.getByTestId('apply-edit')).toBeDisabled();
    await saveScreenshot(page, 'lab-fact-too-long');
  });

  await test.step('on a 390 px phone the points table says it scrolls sideways', async () => {
    await page.getByTestId('collapse-chart').screenshot({ path: 'e2e-artifacts/lab-chart.png' });
    await page.setViewportSize({ width: 390, height: 844 });
    await expect(page.getByTestId('points-scroll-cue')).toBeVisible();
    await page.getByTestId('points-table').scrollIntoViewIfNeeded();
    await saveScreenshot(page, 'lab-phone-390');
  });

  expect(problems.errors).toEqual([]);
  expect(problems.consoleErrors).toEqual([]);
});

test('a fresh start loads the demo model by default, without a click', async ({ page }) => {
  const problems = watchProblems(page);
  await page.goto('/');
  // The load starts by itself (its baseline under the default settings is slow on SwiftShader, so the spec stops it there).
  await expect(page.getByTestId('op-progress')).toHaveAttribute('data-kind', 'load');
  await expect(page.getByTestId('op-title')).toHaveText('Load the model');
  await expect(page.getByTestId('source-demo')).toBeChecked();
  await expect(page.getByTestId('load-model')).toBeDisabled();
  await page.getByTestId('cancel-op').click();
  await expect(page.getByTestId('lab-notice')).toContainText('cancelled', { timeout: 120_000 });
  await expect(page.getByTestId('load-model')).toBeEnabled();
  expect(problems.errors).toEqual([]);
  expect(problems.consoleErrors).toEqual([]);
});

test('a costly link asks first, with an estimate and its edits, and declining keeps it; a link outside the form’s limits runs nothing', async ({ page }) => {
  const problems = watchProblems(page);
  const edits = Array.from({ length: 1000 }, (_, i) => ({ prompt: 'The mother tongue of {} is', subject: `Person ${i}`, target_new: 'English' }));
  const url = labUrl(fastExperiment(edits));
  await page.goto(url);
  const pending = page.getByTestId('pending-experiment');
  await expect(pending).toHaveAttribute('data-costly', 'true');
  await expect(page.getByTestId('pending-estimate')).toContainText(/Replaying takes about \d+ (minutes|hours|days)/);
  await expect(page.getByTestId('pending-estimate')).toContainText('1,000 edits, 5,000 v* steps');
  await expect(page.getByTestId('pending-edit')).toHaveCount(12);
  await expect(page.getByTestId('pending-edit').first()).toContainText('The mother tongue of Person 0 is → English');
  await expect(pending).toContainText('988 more');
  await saveScreenshot(page, 'lab-costly-link-asks');
  await page.getByTestId('dismiss-pending').click();
  await expect(pending).toHaveCount(0);
  // Nothing ran, and the link is still the one opened.
  await expect(page.getByTestId('op-progress')).toHaveCount(0);
  await expect(page.getByTestId('model-summary')).toHaveCount(0);
  expect(new URL(page.url()).hash).toBe(url.slice(1));

  await page.goto('/about:blank');
  const wild = fastExperiment([edits[0]!]);
  wild.method.v_num_grad_steps = 10_000;
  await page.goto(labUrl(wild));
  // The settings table's limit, the same one the settings form holds the value to.
  await expect(page.getByTestId('link-error')).toContainText('v_num_grad_steps must be between 1 and 1000');
  await expect(page.getByTestId('pending-experiment')).toHaveCount(0);
  await expect(page.getByTestId('op-progress')).toHaveCount(0);
  await expect(page.getByTestId('model-summary')).toHaveCount(0);
  expect(problems.errors).toEqual([]);
  expect(problems.consoleErrors).toEqual([]);
});

test('a cancelled replay keeps the link; a failed hub load keeps the demo selected; a reload shows the saved points and the comparison at once', async ({ page }) => {
  test.setTimeout(1_800_000);
  const problems = watchProblems(page);
  const url = labUrl({ ...fastExperiment([{ prompt: 'The mother tongue of {} is', subject: 'Danielle Darrieux', target_new: 'English', target_true: 'French' }]), model: DEMO_MODEL_ID });
  const hash = url.slice(1);

  await test.step('cancel the link’s replay: the URL still holds the link', async () => {
    await page.goto(url);
    // Any stage will do: the link must survive a cancelled replay wherever it stops (waiting for the edit
    // stage itself costs minutes of statistics on a busy SwiftShader).
    await expect(page.getByTestId('op-progress')).toHaveAttribute('data-kind', 'replay', { timeout: 600_000 });
    await expect(page.getByTestId('op-progress')).toHaveAttribute('data-stage', /\w/, { timeout: 180_000 });
    await page.getByTestId('cancel-op').click();
    await expect(page.getByTestId('lab-notice')).toContainText('cancelled', { timeout: 120_000 });
    await waitIdle(page);
    expect(new URL(page.url()).hash).toBe(hash);
    await expect(page.getByTestId('share-held')).toBeVisible();
    await expect(page.getByTestId('share-url')).toHaveValue(new RegExp(`${hash.slice(-40)}$`));
  });

  await test.step('reload: the link replays in full', async () => {
    await page.reload();
    await waitForPoints(page, 2, 600_000, DEMO_MODEL_ID);
    await waitIdle(page, 600_000);
    await expect(page.getByTestId('share-held')).toHaveCount(0);
  });
  const points = await shownMePpl(page);

  await test.step('a hub model fails to load (no network): the demo stays loaded and selected, its edit kept', async () => {
    await page.context().route(/huggingface\.co/, (r) => r.abort('internetdisconnected'));
    await page.getByTestId('preset-gpt2').locator('input').check();
    await expect(page.getByTestId('load-model')).toHaveText('Load this model (drops the 1 edit)');
    await page.getByTestId('load-model').click();
    await expect(page.getByTestId('lab-error')).toHaveAttribute('data-kind', 'model-source', { timeout: 60_000 });
    await expect(page.getByTestId('source-demo')).toBeChecked();
    await expect(page.getByTestId('load-model')).toHaveText('Loaded');
    await expect(page.getByTestId('model-summary')).toHaveAttribute('data-name', DEMO_MODEL_ID);
    await expect(page.getByTestId('history-item')).toHaveCount(1);
    await saveScreenshot(page, 'lab-hub-load-failed');
  });

  await test.step('compare with C-ROME: the frozen ROME curve goes into the link', async () => {
    await page.getByTestId('compare-run').click();
    await expect(page.getByTestId('op-progress')).toHaveAttribute('data-kind', 'replay');
    await waitIdle(page, 600_000);
    await expect(page.getByTestId('comparison')).toHaveCount(1);
    // One payload: the frozen curve rides inside the experiment's part of the hash.
    const { exp } = splitHash(new URL(page.url()).hash);
    expect(decodeShare(exp!).comparisons.map((c) => c.method)).toEqual(['rome']);
  });
  const compared = await shownMePpl(page);

  await test.step('reload: saved points and the frozen curve at once, verified in the background', async () => {
    await page.reload();
    const table = page.getByTestId('points-table');
    await expect(table).toHaveAttribute('data-source', 'saved');
    await expect(table).toHaveAttribute('data-count', '2');
    expect(await shownMePpl(page)).toEqual(compared);
    await expect(page.getByTestId('op-progress')).toBeVisible();
    await saveScreenshot(page, 'lab-reload-saved-points');
    await expect(page.getByTestId('lab-notice')).toContainText('saved points were verified', { timeout: 600_000 });
    await expect(table).toHaveAttribute('data-source', 'live');
    expect(await shownMePpl(page)).toEqual(compared);
    await expect(page.getByTestId('comparison')).toHaveCount(1);
    // Two curves (ROME frozen from the link, C-ROME live), each with its ME-PPL and LAMBADA line.
    await expect(page.locator('[data-testid="collapse-chart"] .recharts-line')).toHaveCount(4);
    const frozen = await page.locator('[data-testid="points-table"] tbody tr td:last-child').allTextContents();
    expect(frozen).toEqual(points);
  });

  expect(problems.errors).toEqual([]);
  expect(problems.consoleErrors.filter((e) => !/huggingface|ERR_INTERNET_DISCONNECTED|Failed to load resource/.test(e))).toEqual([]);
});
