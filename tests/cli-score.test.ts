// `npm run -s lab -- score` end to end: a real process on Dawn, JSON on stdout.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const forward = JSON.parse(readFileSync('tests/fixtures/tiny-gpt2/forward.json', 'utf8'));
const dir = mkdtempSync(join(tmpdir(), 'lab-cli-'));

async function lab(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run('npx', ['tsx', 'cli/main.ts', ...args], { maxBuffer: 1 << 26 });
    return { code: 0, ...r };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

describe('lab score', () => {
  it('prints the baseline JSON for texts, matching the goldens', async () => {
    const file = join(dir, 'texts.json');
    writeFileSync(file, JSON.stringify(forward.texts.map((t: { text: string }) => ({ Corpus: 'test', Text: t.text }))));
    const r = await lab('score', '--model', 'public/models/tiny-gpt2', '--texts', file, '--json');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.per_text).toHaveLength(forward.texts.length);
    out.per_text.forEach((p: { tokens: number; nll: number[] }, i: number) => {
      expect(p.tokens).toBe(forward.texts[i].ids.length);
      p.nll.forEach((x, j) => expect(Math.abs(x - forward.texts[i].nll[j])).toBeLessThan(1e-4));
    });
    expect(Math.abs(Math.log(out.ppl_corpus) - Math.log(forward.ppl))).toBeLessThan(1e-4);
    const mePpl = forward.texts.reduce((a: number, t: { mean_nll: number }) => a + Math.exp(t.mean_nll), 0) / forward.texts.length;
    expect(Math.abs(out.me_ppl / mePpl - 1)).toBeLessThan(1e-3);
  });

  it('fails with one line and a non-zero status on bad input', async () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{"ids": [[1, 99999]]}');
    const r = await lab('score', '--model', 'public/models/tiny-gpt2', '--texts', bad, '--json');
    expect(r.code).not.toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/ids\[0\]\[1\] = 99999/);
    const noModel = await lab('score', '--model', 'no/such-dir', '--texts', bad);
    expect(noModel.code).not.toBe(0);
    const usage = await lab('frobnicate');
    expect(usage.stderr).toMatch(/unknown command/);
  });
});
