// Share links are anyone's text: a corrupt, oversized or hostile one must give
// a clear message and an empty, working lab, never a crash or running script.
import { deflateSync, strToU8 } from 'fflate';
import { expect, test, type Page } from '@playwright/test';
import { saveScreenshot, watchProblems } from './support.ts';
import { fastExperiment } from './lab-helpers.ts';

const base64url = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64url');
/** Any JSON, packed the way the lab packs experiments. */
const packed = (value: unknown) => `exp=${base64url(deflateSync(strToU8(JSON.stringify(value))))}`;

async function expectEmptyLab(page: Page, message: RegExp): Promise<void> {
  await expect(page.getByTestId('link-error')).toContainText(message);
  await expect(page.getByTestId('lab')).toBeVisible();
  await expect(page.getByTestId('model-summary')).toHaveCount(0);
  await expect(page.getByTestId('collapse-chart')).toHaveAttribute('data-points', '0');
  await expect(page.getByTestId('load-model')).toBeEnabled();
  // The bad hash is gone, so a reload starts clean.
  expect(new URL(page.url()).hash).toBe('');
}

test('corrupt, oversized and hostile share links show a message and an empty lab', async ({ page }) => {
  const problems = watchProblems(page);
  let dialogs = 0;
  page.on('dialog', (d) => {
    dialogs++;
    void d.dismiss();
  });

  await page.goto('/#exp=This-is-not!a*valid~link');
  await expectEmptyLab(page, /corrupt/);
  await saveScreenshot(page, 'lab-corrupt-link');

  const cases: Array<[hash: string, message: RegExp]> = [
    [`exp=${'A'.repeat(70_000)}`, /too long/],
    [packed(fastExperiment()).slice(0, 120), /cut short|corrupt/],
    [packed({ hello: 'world' }), /invalid: version must be 1/],
    [packed({ ...fastExperiment(), version: 99 }), /version must be 1/],
    [packed({ ...fastExperiment(), edits: [{ prompt: 'no braces', subject: 'x', target_new: 'y' }] }), /exactly one/],
    // A deflate bomb: 50 MB of spaces in a few kilobytes.
    [`exp=${base64url(deflateSync(new Uint8Array(50_000_000).fill(32)))}`, /too large/],
    [packed({ ...fastExperiment(), model: 'javascript:alert(1)' }), /not a web address/],
    // Comparison curves ride in the same payload: a hostile list refuses the link.
    [packed({ ...fastExperiment(), comparisons: [{ label: '<img src=x onerror=alert(1)>', method: 'evil', collapseFactor: 10, points: [] }] }), /comparison curves are invalid: curve 1 names an unknown method/],
  ];
  for (const [hash, message] of cases) {
    await page.goto('/about:blank'); // a different document, so the next goto really loads
    await page.goto(`/#${hash}`);
    await expectEmptyLab(page, message);
  }

  // User text is rendered as text: markup in a model name shows up literally and never runs.
  const markup = '<img src=x onerror="window.__pwned=1">';
  await page.goto('/about:blank');
  await page.goto(`/#${packed({ ...fastExperiment(), model: markup })}`);
  await expect(page.getByTestId('link-error')).toContainText(markup.slice(0, 20));
  expect(await page.evaluate(() => (window as { __pwned?: number }).__pwned)).toBeUndefined();
  await expect(page.locator('[data-testid="link-error"] img')).toHaveCount(0);

  expect(dialogs).toBe(0);
  expect(problems.errors).toEqual([]);
  expect(problems.consoleErrors).toEqual([]);
});
