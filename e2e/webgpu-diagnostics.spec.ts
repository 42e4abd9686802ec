// With WebGPU on SwiftShader: the diagnostics describe the adapter and the
// worker's kernel check passes.
import { expect, test } from '@playwright/test';
import { saveScreenshot, watchProblems } from './support.ts';

test('diagnostics describe the software adapter and the kernel check passes', async ({ page }) => {
  const problems = watchProblems(page);
  await page.goto('/');
  await page.getByTestId('tab-diagnostics').click();

  await expect(page.getByTestId('lab-header')).toContainText('Butterfly Lab');
  await expect(page.getByTestId('diagnostics')).toBeVisible();
  await expect(page.getByTestId('gpu-status')).toHaveAttribute('data-status', 'ready');

  // Adapter: SwiftShader names itself in vendor/architecture/description.
  await expect(page.getByTestId('adapter-description')).not.toBeEmpty();
  await expect(page.getByTestId('adapter-summary')).toContainText(/swiftshader/i);
  await expect(page.getByTestId('adapter-kind')).toHaveText('Software (CPU)');
  await expect(page.getByTestId('diagnostics').getByTestId('software-adapter-notice')).toContainText(
    'Software adapter (SwiftShader/CPU): expect slow computation',
  );

  // Limits and features.
  const storageLimit = page.getByTestId('limit-maxStorageBufferBindingSize');
  await expect(storageLimit).toBeVisible();
  await expect(storageLimit).toContainText(/\d[\d,]* \(\d/);
  await expect(page.getByTestId('limit-maxBufferSize')).toBeVisible();
  for (const feature of ['shader-f16', 'timestamp-query']) {
    await expect(page.getByTestId(`feature-${feature}`)).toHaveAttribute('data-present', /^(true|false)$/);
  }

  // The add kernel ran in the worker and matched the CPU.
  const check = page.getByTestId('kernel-check');
  await expect(check).toHaveAttribute('data-passed', 'true');
  await expect(page.getByTestId('kernel-check-verdict')).toContainText('passed');
  await expect(page.getByTestId('kernel-check-time')).toContainText('ms');

  await saveScreenshot(page, 'webgpu-diagnostics');
  expect(problems.errors).toEqual([]);
  expect(problems.consoleErrors).toEqual([]);
});
