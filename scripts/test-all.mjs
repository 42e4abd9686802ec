#!/usr/bin/env node
// `npm test`: the type check, the unit tests (vitest, GPU kernels through Dawn
// on SwiftShader), a production build, then the end-to-end tests (Playwright
// in headless Chromium with WebGPU). Runs every part even after a failure so
// one run shows everything, and ends with the one line CI reads:
// "N passed, N failed".
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';

const RESULTS = 'test-results';
mkdirSync(RESULTS, { recursive: true });
const only = process.argv.slice(2); // e.g. `npm test -- unit` runs just that part

function run(cmd, args, env = {}) {
  const t0 = Date.now();
  const r = spawnSync(cmd, args, { stdio: 'inherit', env: { ...process.env, ...env } });
  return { code: r.status ?? 1, seconds: (Date.now() - t0) / 1000 };
}

function readJson(path) {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return null;
  }
}

const parts = [
  {
    name: 'typecheck',
    exec: () => run('npx', ['tsc', '-p', 'tsconfig.json', '--noEmit']),
    // One check: the whole program type-checks or it does not.
    count: (code) => (code === 0 ? { passed: 1, failed: 0 } : { passed: 0, failed: 1 }),
  },
  {
    name: 'unit',
    exec: () => {
      rmSync(`${RESULTS}/unit.json`, { force: true });
      return run('npx', ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${RESULTS}/unit.json`]);
    },
    count: (code) => {
      const j = readJson(`${RESULTS}/unit.json`);
      if (!j) return { passed: 0, failed: 1 };
      // A file that fails to load has no tests but fails the run: count it.
      const brokenFiles = (j.testResults ?? []).filter((f) => f.status === 'failed' && (f.assertionResults ?? []).length === 0).length;
      const failed = j.numFailedTests + brokenFiles + (code !== 0 && j.numFailedTests + brokenFiles === 0 ? 1 : 0);
      return { passed: j.numPassedTests, failed };
    },
  },
  {
    name: 'build',
    // The build must also stay free of warnings (e.g. a chunk over 500 kB: the
    // chart and the worker load as chunks of their own).
    exec: () => {
      const t0 = Date.now();
      const r = spawnSync('npx', ['vite', 'build', '--logLevel', 'warn'], { encoding: 'utf8' });
      const output = `${r.stdout ?? ''}${r.stderr ?? ''}`;
      process.stdout.write(output);
      const warned = /\(!\)|warning/i.test(output);
      if (warned) console.log('The build printed a warning (above): counted as a failure.');
      return { code: r.status === 0 && !warned ? 0 : 1, seconds: (Date.now() - t0) / 1000 };
    },
    count: (code) => (code === 0 ? { passed: 1, failed: 0 } : { passed: 0, failed: 1 }),
  },
  {
    name: 'e2e',
    exec: () => {
      rmSync(`${RESULTS}/e2e.json`, { force: true });
      if (!existsSync('dist/index.html')) return { code: 1, seconds: 0 };
      return run('npx', ['playwright', 'test']);
    },
    count: (code) => {
      const j = readJson(`${RESULTS}/e2e.json`);
      if (!j?.stats) return { passed: 0, failed: 1 };
      const { expected = 0, unexpected = 0, flaky = 0 } = j.stats;
      const errors = (j.errors ?? []).length;
      const failed = unexpected + errors + (code !== 0 && unexpected + errors === 0 ? 1 : 0);
      return { passed: expected + flaky, failed };
    },
  },
];

let passed = 0;
let failed = 0;
const summary = [];
for (const part of parts) {
  if (only.length && !only.includes(part.name)) continue;
  console.log(`\n=== ${part.name} ===`);
  const { code, seconds } = part.exec();
  const c = part.count(code);
  passed += c.passed;
  failed += c.failed;
  summary.push(`${part.name}: ${c.passed} passed, ${c.failed} failed (${seconds.toFixed(1)} s)`);
}
console.log('\n' + summary.join('\n'));
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
