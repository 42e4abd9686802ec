// Pieces the classroom specs share: open the lesson at a step, perform a
// step and wait for it, and measure overflow.
import { expect, type Page } from '@playwright/test';

/** Perform the current step and wait until its result is shown (edits on SwiftShader take a while). */
export async function performAndWait(page: Page, step: number, timeout = 600_000): Promise<void> {
  const card = page.getByTestId('lesson-step');
  await expect(card).toHaveAttribute('data-step', String(step));
  await page.getByTestId('lesson-perform').click();
  await expect(card).toHaveAttribute('data-done', 'true', { timeout });
  await expect(page.getByTestId('lesson-error')).toHaveCount(0);
  await expect(page.getByTestId('lesson-perform')).toBeEnabled({ timeout });
}

/** How far the document overflows the viewport, in CSS pixels (0, 0 when it fits). */
export async function overflow(page: Page): Promise<{ x: number; y: number }> {
  return page.evaluate(() => {
    const d = document.documentElement;
    return { x: Math.max(d.scrollWidth, document.body.scrollWidth) - window.innerWidth, y: Math.max(d.scrollHeight, document.body.scrollHeight) - window.innerHeight };
  });
}

/** 404s for a model folder's optional lesson files (hard_cases.json, facts.json) are expected. */
export function unexpectedConsoleErrors(errors: string[]): string[] {
  return errors.filter((e) => !/Failed to load resource: the server responded with a status of 404/.test(e));
}
