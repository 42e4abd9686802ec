// The trained demo model tells the paper's story in the browser: an edit of a
// fact it knows changes what it says, and a mined hard case (its hard_cases.json)
// collapses it in one ROME edit. Cases are read from the committed measurements,
// so a retrained model brings its own.
import { existsSync, readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import type { Experiment } from '../models/experiment.ts';
import { loadGpt2TokenizerFromDir } from '../models/tokenizer/tokenizer-node.ts';
import { chooseCounterFact, labUrl, waitIdle } from './lab-helpers.ts';
import { saveScreenshot, watchProblems } from './support.ts';

const MODEL = 'public/models/demo-gpt2';
const config = JSON.parse(readFileSync(`${MODEL}/config.json`, 'utf8')) as { butterfly_lab: { edit_layer: number } };
const LAYER = config.butterfly_lab.edit_layer;
// hard_cases.json is written by `lab mine` (training/finish-demo.sh); until it has run, the hard-case test says so and skips.
const HARD = `${MODEL}/hard_cases.json`;
const hard = existsSync(HARD) ? (JSON.parse(readFileSync(HARD, 'utf8')) as { layer: number; eval: string; cases: { case_id: number; ratio_rome: number | null; target_new: string }[] }) : null;
// A single ROME edit `lab sweep` measured (training/results/single): the model knows the fact and the edit takes.
const sweep = readFileSync('training/results/single/steps.jsonl', 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
const good = sweep.find((s) => s.type === 'step' && s.metrics.edit?.rewrite_acc === 1 && !s.metrics.collapsed);
// Ten ME-PPL texts keep the browser's evaluation short; the collapse is global, so they show it as the 50 do.
const TEXTS = (JSON.parse(readFileSync('public/data/me_ppl/ME-PPL_50.json', 'utf8')) as { Text: string }[]).slice(0, 10).map((r) => r.Text);

/** The lab's defaults for this model (its traced layer, generated templates, its shipped statistics), or another layer (a hard case's, as mined). */
function demoExperiment(layer = LAYER, texts: string | string[] = TEXTS): Experiment {
  return {
    version: 1,
    model: MODEL,
    method: { name: 'rome', ...(layer !== LAYER ? { layer } : {}) },
    stats: { npz: `${MODEL}/stats/layer${layer}_mom2.npz` },
    mode: 'single',
    edits: [],
    eval: { texts, collapse_factor: 10 },
  };
}

async function loaded(page: import('@playwright/test').Page, points: number): Promise<void> {
  await expect(page.getByTestId('model-summary')).toHaveAttribute('data-name', MODEL, { timeout: 240_000 });
  await expect(page.getByTestId('points-table')).toHaveAttribute('data-count', String(points), { timeout: 400_000 });
}

test('an edit of a fact the demo model knows: the preview and the after-edit generation show it', async ({ page }) => {
  test.setTimeout(600_000);
  expect(good, 'training/results/single holds a successful edit').toBeTruthy();
  const problems = watchProblems(page);
  await page.goto(labUrl(demoExperiment()));
  await loaded(page, 1);
  await waitIdle(page);
  await chooseCounterFact(page, good.case_id);
  // Before: the model's top prediction is the true target's first token.
  const tok = loadGpt2TokenizerFromDir();
  const first = tok.decode([tok.encode(' ' + good.request.target_true)[0]!]);
  await expect(page.getByTestId('fact-preview')).toContainText(JSON.stringify(first), { timeout: 120_000 });
  await page.getByTestId('apply-edit').click();
  await loaded(page, 2);
  await waitIdle(page);
  const details = page.getByTestId('edit-details');
  await expect(details).toContainText(`layer ${LAYER}`);
  await expect(details.locator('.generation').nth(1)).toContainText(good.request.target_new.trim());
  await saveScreenshot(page, 'demo-known-fact-edited');
  expect(problems.errors).toEqual([]);
});

test('a mined hard case collapses the demo model in one ROME edit (a red point)', async ({ page }) => {
  test.skip(!hard, `${HARD} is not there yet: lab mine has not been run on this model`);
  test.setTimeout(600_000);
  const worst = hard!.cases.find((c) => c.ratio_rome === null || c.ratio_rome >= 10);
  expect(worst, 'hard_cases.json holds a case with ME-PPL ≥ 10× after one ROME edit').toBeTruthy();
  const problems = watchProblems(page);
  // At the layer the case was mined at, with that layer's statistics, scored on the texts it was mined with.
  await page.goto(labUrl(demoExperiment(hard!.layer, hard!.eval)));
  await loaded(page, 1);
  await waitIdle(page);
  await page.getByTestId('cf-only-hard').check();
  await chooseCounterFact(page, worst!.case_id);
  await expect(page.locator(`[data-testid="cf-result"][data-case="${worst!.case_id}"] [data-testid="cf-hard-badge"]`)).toBeVisible();
  await page.getByTestId('apply-edit').click();
  await loaded(page, 2);
  await waitIdle(page);
  // Row 0 is the unedited model; row 1 the edit.
  await expect(page.locator('[data-testid="point-row"][data-edit="0"]')).toHaveAttribute('data-collapsed', 'false');
  await expect(page.locator('[data-testid="point-row"][data-edit="1"]')).toHaveAttribute('data-collapsed', 'true');
  // The chart shows it: the unedited dot and one red (collapsed) dot.
  await expect(page.locator('[data-testid="collapse-chart"] circle[data-collapsed]')).toHaveCount(2);
  await expect(page.locator('[data-testid="collapse-chart"] circle[data-collapsed="true"]')).toHaveCount(1);
  await saveScreenshot(page, 'demo-hard-case-collapsed');
  expect(problems.errors).toEqual([]);
});
