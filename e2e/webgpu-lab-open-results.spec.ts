// Results from a GPU run (run.py's shards) open on the chart with no model
// loaded; a link carrying a small imported curve on a model the browser
// cannot run shows the curve and says so plainly.
import { expect, test } from '@playwright/test';
import { encodeExperiment } from '../app/share-codec.ts';
import { saveScreenshot, watchProblems } from './support.ts';

const line = (v: unknown) => JSON.stringify(v) + '\n';
const experiment = { version: 1, model: 'meta-llama/Llama-2-7b-hf', method: { name: 'rome' }, mode: 'single', edits: [] };
/** Shard `i` of 2 over 6 cases, as run.py writes it. */
function shard(i: number): string {
  let text = line({ type: 'sweep', version: 1, experiment, mode: 'single', edits: Array.from({ length: 6 }, () => ({})), shard: { index: i, count: 2 } });
  text += line({ type: 'baseline', metrics: { me_ppl: 30, ppl_corpus: 30, tasks: {}, collapsed: false } });
  for (let k = 3 * i; k < 3 * i + 3; k++) text += line({ type: 'step', index: k, metrics: { me_ppl: 30 + 100 * k, ppl_corpus: 1, tasks: {}, collapsed: k >= 3 }, collapsed: k >= 3 });
  return text;
}

test('imported shards appear on the chart without a model; a link carries the curve', async ({ page }) => {
  // Two page loads, each probing the GPU on SwiftShader: past the default minute on a loaded machine.
  test.setTimeout(180_000);
  const problems = watchProblems(page);
  await page.goto('/');
  await expect(page.getByTestId('collapse-chart')).toHaveAttribute('data-series', '0');
  await page.getByTestId('open-results-input').setInputFiles([0, 1].map((i) => ({ name: `steps-${i}-of-2.jsonl`, mimeType: 'application/json', buffer: Buffer.from(shard(i)) })));
  const chart = page.getByTestId('collapse-chart');
  await expect(chart).toHaveAttribute('data-series', '1');
  await expect(chart).toHaveAttribute('data-points', '0'); // no live curve: no model was loaded
  await expect(chart.locator('.recharts-legend-item')).toHaveText(['ROME Llama-2-7b-hf (imported) ME-PPL']);
  await expect(chart.locator('circle[data-collapsed="true"]')).toHaveCount(3);
  await expect(page.getByTestId('imported-result')).toContainText('6 edits');
  await saveScreenshot(page, 'lab-open-results');
  await chart.screenshot({ path: 'e2e-artifacts/lab-open-results-chart.png' });

  // A bad file says why and keeps what is open.
  await page.getByTestId('open-results-input').setInputFiles({ name: 'x.jsonl', mimeType: 'application/json', buffer: Buffer.from('not json\n') });
  await expect(page.getByTestId('open-results-error')).toContainText('not valid JSON');
  await expect(chart).toHaveAttribute('data-series', '1');

  const points = Array.from({ length: 7 }, (_, k) => [k === 0 ? 30 : 30 + 100 * (k - 1), k > 3 ? 1 : 0]);
  const hash = encodeExperiment(experiment as never, { imported: [{ label: 'From a GPU node', method: 'rome', collapse_factor: 10, points }] });
  await page.goto('/about:blank');
  await page.goto(`/#${hash}`);
  await expect(page.getByTestId('not-in-browser')).toContainText('only GPT-2 runs in the browser');
  await expect(chart).toHaveAttribute('data-series', '1');
  await expect(chart.locator('.recharts-legend-item')).toHaveText(['From a GPU node ME-PPL']);
  await expect(page.getByTestId('pending-experiment')).toHaveCount(0);
  expect(problems.errors).toEqual([]);
});
