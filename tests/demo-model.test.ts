// The committed demo model (public/models/demo-gpt2, made by training/): its files
// are whole and consistent, and the float64 reference implementation (not the
// WebGPU engine) finds the facts in the shipped weights.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseHardCases } from '../app/hard-cases.ts';
import { DEMO_EDIT_LAYER, DEMO_LAYERS } from '../models/settings-doc.ts';
import { loadRomeCovariance } from '../models/editing/rome-covariance.ts';
import { NodeFileSource } from '../models/io/byte-source-node.ts';
import { gpt2ForwardF64 } from '../models/reference/gpt2.ts';
import { loadReferenceGpt2FromDir } from '../models/reference/gpt2-node.ts';
import { loadGpt2TokenizerFromDir } from '../models/tokenizer/tokenizer-node.ts';

const DIR = 'public/models/demo-gpt2';
interface Fact { id: string; subject: string; prompt: string; target: string; trained: string[]; heldout: string[] }
const facts = (JSON.parse(readFileSync(join(DIR, 'facts.json'), 'utf8')) as { version: number; facts: Fact[] }).facts;

function bytes(dir: string): number {
  return readdirSync(dir).reduce((n, f) => n + (statSync(join(dir, f)).isDirectory() ? bytes(join(dir, f)) : statSync(join(dir, f)).size), 0);
}

describe('the committed demo model', () => {
  const { config, weights } = loadReferenceGpt2FromDir(DIR);

  it('ships what the lab reads, within 30 MB', () => {
    expect(config.vocabSize).toBe(50257);
    expect(config.editLayer).toBeGreaterThanOrEqual(0);
    // docs/settings.md states the demo model's defaults from these.
    expect([config.nLayer, config.editLayer]).toEqual([DEMO_LAYERS, DEMO_EDIT_LAYER]);
    for (const f of ['config.json', 'model.safetensors', 'facts.json', 'MODEL_CARD.md', 'trace.svg', 'mend_editor.json', 'mend_editor.safetensors']) expect(existsSync(join(DIR, f)), f).toBe(true);
    expect(bytes(DIR)).toBeLessThan(30e6);
    expect(facts.length).toBeGreaterThan(1000);
    for (const f of facts) {
      expect(f.prompt).toContain('{}');
      expect(f.trained.length).toBeGreaterThan(0);
    }
    // Written by `lab mine`; when present it must be readable by the fact browser.
    if (existsSync(join(DIR, 'hard_cases.json'))) expect(parseHardCases(JSON.parse(readFileSync(join(DIR, 'hard_cases.json'), 'utf8'))).byCase.size).toBeGreaterThan(0);
    expect(readFileSync(join(DIR, 'MODEL_CARD.md'), 'utf8')).toContain(`Edit layer: ${config.editLayer}`);
  });

  it('has the model card training/model-card.ts writes from the committed results (none typed by hand, none stale)', () => {
    const tmp = mkdtempSync(join(tmpdir(), 'card-'));
    const dest = join(tmp, 'MODEL_CARD.md');
    execFileSync(process.execPath, ['--import', 'tsx', 'training/model-card.ts'], { env: { ...process.env, MODEL_CARD_OUT: dest }, stdio: 'pipe' });
    const fresh = readFileSync(dest, 'utf8');
    rmSync(tmp, { recursive: true });
    expect(fresh).toContain('## Sequential edits: normal vs hard cases');
    expect(fresh).toBe(readFileSync(join(DIR, 'MODEL_CARD.md'), 'utf8'));
  }, 60_000);

  it("holds the key statistics of its edit layer in ROME's npz layout", async () => {
    const cov = await loadRomeCovariance(new NodeFileSource(join(DIR, 'stats', `layer${config.editLayer}_mom2.npz`)));
    expect(cov.dim).toBe(4 * config.nEmbd);
    expect(cov.count).toBeGreaterThan(100_000);
  });

  it('knows its facts: top-1 recall of the first target token (float64 reference, every 23rd fact)', () => {
    const tok = loadGpt2TokenizerFromDir();
    const sample = facts.filter((_, i) => i % 23 === 0);
    const recall = (phrasings: (f: Fact) => string[]) => {
      let hits = 0;
      let n = 0;
      for (const f of sample) {
        const target = tok.encode(' ' + f.target)[0]!;
        for (const p of phrasings(f).slice(0, 1)) {
          const ids = tok.encode(p);
          const { argmax } = gpt2ForwardF64(config, weights, ids);
          hits += Number(argmax[ids.length - 1] === target);
          n++;
        }
      }
      return hits / n;
    };
    expect(recall((f) => f.trained)).toBeGreaterThanOrEqual(0.9);
    expect(recall((f) => f.heldout)).toBeGreaterThanOrEqual(0.6);
  }, 120_000);
});
