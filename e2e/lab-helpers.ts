// Steps the lab specs share. SwiftShader runs WebGPU on the CPU, so the specs
// open the lab through a share link carrying small settings: 5 v* steps, two
// fixed context templates (ROME's 21 generated ones cost most of an edit),
// 2,000 statistics tokens and four short evaluation texts. Everything else is
// the real path: the link is decoded, the model loaded, edits applied from
// the UI. The model is the random tiny-gpt2 test fixture (public/models/
// tiny-gpt2, 128 positions), not the trained demo: these specs test the lab's
// mechanics, not what a trained model knows.
import { expect, type Page } from '@playwright/test';
import type { EditRequest, Experiment } from '../models/experiment.ts';
import { encodeExperiment } from '../app/share-codec.ts';
// The fixture the mechanics specs load (random weights, 4 layers, 128 positions).
import { FIXTURE_MODEL_ID } from '../app/model-location.ts';

export { FIXTURE_MODEL_ID };

export function fastExperiment(edits: EditRequest[] = []): Experiment {
  return {
    version: 1,
    model: FIXTURE_MODEL_ID,
    method: { name: 'rome', v_num_grad_steps: 5, context_templates: ['{}', 'The following is true. {}'] },
    stats: { texts: 'wikitext2', max_tokens: 2000 },
    mode: 'sequential',
    edits,
    eval: {
      texts: [
        'The quick brown fox jumps over the lazy dog near the river bank.',
        'Paris is the capital and most populous city of France.',
        'In 1969, astronauts landed on the Moon for the first time.',
        'Water boils at one hundred degrees Celsius at sea level.',
      ],
      collapse_factor: 10,
      // A few LAMBADA items: the chart's accuracy series, kept cheap on SwiftShader.
      tasks: { lambada: 3 },
    },
  };
}

export function labUrl(exp: Experiment): string {
  return `/#${encodeExperiment(exp)}`;
}

/** Wait until `model` (by default the fixture) is loaded and the curve has `points` points. */
export async function waitForPoints(page: Page, points: number, timeout = 180_000, model = FIXTURE_MODEL_ID): Promise<void> {
  await expect(page.getByTestId('model-summary')).toHaveAttribute('data-name', model, { timeout });
  await expect(page.getByTestId('points-table')).toHaveAttribute('data-count', String(points), { timeout });
  await expect(page.getByTestId('collapse-chart')).toHaveAttribute('data-points', String(points));
}

/** Choose the CounterFact record with this case id (searching by its id). */
export async function chooseCounterFact(page: Page, caseId: number): Promise<void> {
  await page.getByTestId('cf-search').fill(`#${caseId}`);
  const hit = page.locator(`[data-testid="cf-result"][data-case="${caseId}"]`);
  await hit.click();
  await expect(hit).toHaveAttribute('aria-pressed', 'true');
}

/** The ME-PPL column of the points table, as shown. */
export async function shownMePpl(page: Page): Promise<string[]> {
  return page.getByTestId('point-me-ppl').evaluateAll((cells) => cells.map((c) => (c.firstChild?.textContent ?? '').trim()));
}

/** The operation panel is gone: nothing runs and nothing waits. */
export async function waitIdle(page: Page, timeout = 180_000): Promise<void> {
  await expect(page.getByTestId('op-progress')).toHaveCount(0, { timeout });
  await expect(page.getByTestId('edit-queue')).toHaveCount(0, { timeout });
}
