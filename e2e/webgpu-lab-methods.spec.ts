// Three methods on one chart from one shared link: the link replays two MEMIT
// edits on the demo model, then the same sequence is run with AlphaEdit and
// with FT-L∞ from the compare panel; the chart overlays the three ME-PPL
// curves (two frozen, one live), each in the legend and in the exports.
import { expect, test } from '@playwright/test';
import { saveScreenshot, watchProblems } from './support.ts';
import { fastExperiment, labUrl, waitForPoints, waitIdle } from './lab-helpers.ts';

const EDITS = [
  { prompt: '{} is located in the city of', subject: 'Eiffel Tower', target_new: 'Rome' },
  { prompt: '{} plays the sport of', subject: 'LeBron James', target_new: 'football' },
];

test('MEMIT, AlphaEdit and FT-L∞ curves overlaid from one shared link', async ({ page }) => {
  test.setTimeout(600_000);
  const problems = watchProblems(page);
  const base = fastExperiment(EDITS);
  // MEMIT on the demo's default layers with ROME's cheap link settings; no task scoring (three replays).
  const exp = { ...base, method: { name: 'memit' as const, v_num_grad_steps: 5, context_templates: base.method.context_templates }, eval: { ...base.eval, tasks: {} } };
  await page.goto(labUrl(exp));
  await waitForPoints(page, 3, 300_000);
  await waitIdle(page, 300_000);
  await expect(page.getByTestId('setting-method')).toHaveValue('memit');

  for (const [k, method] of (['alphaedit', 'ft-l'] as const).entries()) {
    await page.getByTestId('compare-method').selectOption(method);
    await page.getByTestId('compare-run').click();
    await expect(page.getByTestId('op-progress')).toHaveAttribute('data-kind', 'replay');
    await waitIdle(page, 300_000);
    await expect(page.getByTestId('setting-method')).toHaveValue(method);
    await expect(page.getByTestId('comparison')).toHaveCount(k + 1);
    await expect(page.getByTestId('points-table')).toHaveAttribute('data-count', '3');
  }
  // One ME-PPL line per method: MEMIT and AlphaEdit frozen, FT-L∞ live.
  await expect(page.locator('[data-testid="collapse-chart"] .recharts-line')).toHaveCount(3);
  const legend = page.locator('[data-testid="collapse-chart"] .recharts-legend-item-text');
  for (const name of ['MEMIT', 'AlphaEdit', 'FT-L∞']) await expect(legend.filter({ hasText: name }).first()).toBeVisible();
  await saveScreenshot(page, 'lab-compare-three-methods');
  expect(problems.errors).toEqual([]);
  expect(problems.consoleErrors).toEqual([]);
});
