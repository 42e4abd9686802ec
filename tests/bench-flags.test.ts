// The benchmarks' command lines go through node:util parseArgs (bench/flags.ts):
// defaults, switches, positionals, and clear errors for unknown flags or missing values.
import { describe, expect, it } from 'vitest';
import { parseBenchArgs } from '../bench/args.ts';
import { benchFlags } from '../bench/flags.ts';

describe('benchmark flags', () => {
  it('fills defaults, reads values, switches and positionals', () => {
    const f = benchFlags({ shape: 'tiny', json: false }, ['--shape', 'small', '--json', '3072']);
    expect(f).toEqual({ shape: 'small', json: true, positionals: ['3072'] });
    expect(benchFlags({ shape: 'tiny', json: false }, [])).toEqual({ shape: 'tiny', json: false, positionals: [] });
  });
  it('refuses an unknown flag or a missing value, naming the flags it takes', () => {
    expect(() => benchFlags({ steps: '20' }, ['--stpes', '4'])).toThrow(/Unknown option '--stpes'[\s\S]*--steps VALUE/);
    expect(() => benchFlags({ steps: '20' }, ['--steps'])).toThrow(/argument missing/);
  });
  it('npm run bench: the same parser, the same plan', () => {
    expect(parseBenchArgs(['--shape', 'small', '--quick', '--backends=ours', '--repeats', '3'])).toMatchObject({ shapes: ['small'], backends: ['ours'], quick: true, repeats: 3, matmul: true, timeoutMinutes: 10 });
    expect(parseBenchArgs(['--no-matmul'])).toMatchObject({ shapes: ['tiny', 'small'], matmul: false, timeoutMinutes: 30 });
    expect(() => parseBenchArgs(['stray'])).toThrow(/unexpected argument "stray"/);
    expect(() => parseBenchArgs(['--repeats', 'x'])).toThrow(/non-negative integer/);
    expect(() => parseBenchArgs(['--help'])).toThrow(/npm run bench -- \[flags\]/);
  });
});
