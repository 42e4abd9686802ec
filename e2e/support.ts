// Shared pieces of the e2e specs: error collection and screenshots.
import type { Page } from '@playwright/test';

export interface PageProblems {
  /** Uncaught exceptions in the page. */
  errors: string[];
  /** console.error output from the page and its workers. */
  consoleErrors: string[];
}

/** Start collecting uncaught errors and console errors; call before page.goto. */
export function watchProblems(page: Page): PageProblems {
  const problems: PageProblems = { errors: [], consoleErrors: [] };
  page.on('pageerror', (e) => problems.errors.push(`${e.name}: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') problems.consoleErrors.push(m.text());
  });
  return problems;
}

/** Full-page screenshot into e2e-artifacts/, for a human to look at. */
export async function saveScreenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: `e2e-artifacts/${name}.png`, fullPage: true });
}
