// `npm run bench -- [flags]`: the command line, turned into a BenchPlan's ingredients.
import { benchFlags } from './flags.ts';
import { PERPLEXITY_BACKENDS, type PerplexityBackend } from './plan.ts';

export const USAGE = `npm run bench -- [flags]
  --shape tiny,small       model shapes (tiny: the bundled fixture; small: GPT-2 small, random weights)
  --backends LIST          of ours, ort-webgpu, ort-wasm (default: all)
  --quick                  fewer, shorter runs; tiny shape only unless --shape is given
  --batch N --seq N        override the sequences per pass and tokens per sequence
  --warmup N --repeats N   override untimed and timed runs per backend
  --budget SECONDS         per backend and shape, stop repeating after this (at least one timed run)
  --no-matmul              skip the matmul tile sweep (then no peak is measured)
  --threads                serve cross-origin isolated so onnxruntime-web's wasm may use threads
  --timeout MINUTES        give up on the browser after this long (default 30, quick 10)
  --headed                 show the browser window`;

export interface BenchArgs {
  shapes: string[];
  backends: PerplexityBackend[];
  quick: boolean;
  batch?: number;
  seq?: number;
  warmup?: number;
  repeats?: number;
  budget?: number;
  matmul: boolean;
  threads: boolean;
  timeoutMinutes: number;
  headed: boolean;
}

export function parseBenchArgs(argv: readonly string[]): BenchArgs {
  const f = benchFlags(
    { shape: '', backends: '', quick: false, batch: '', seq: '', warmup: '', repeats: '', budget: '', 'no-matmul': false, threads: false, timeout: '', headed: false, help: false },
    argv,
    USAGE,
  );
  if (f.help) throw new Error(USAGE);
  if (f.positionals.length) throw new Error(`unexpected argument "${f.positionals[0]}"\n${USAGE}`);
  // An unset value flag is '' (parseArgs itself refuses a value flag given without its value).
  const text = (k: 'shape' | 'backends') => f[k] || undefined;
  const int = (k: 'batch' | 'seq' | 'warmup' | 'repeats' | 'budget' | 'timeout') => {
    const v = f[k];
    if (!v) return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) throw new Error(`--${k} must be a non-negative integer, got "${v}"`);
    return n;
  };
  const quick = f.quick;
  const shapes = (text('shape') ?? (quick ? 'tiny' : 'tiny,small')).split(',').filter(Boolean);
  for (const s of shapes) if (s !== 'tiny' && s !== 'small') throw new Error(`unknown shape "${s}" (tiny or small)`);
  const backends = (text('backends') ?? PERPLEXITY_BACKENDS.join(',')).split(',').filter(Boolean) as PerplexityBackend[];
  for (const b of backends) if (!PERPLEXITY_BACKENDS.includes(b)) throw new Error(`unknown backend "${b}" (${PERPLEXITY_BACKENDS.join(', ')})`);
  return {
    shapes,
    backends,
    quick,
    batch: int('batch'),
    seq: int('seq'),
    warmup: int('warmup'),
    repeats: int('repeats'),
    budget: int('budget'),
    matmul: !f['no-matmul'],
    threads: f.threads,
    timeoutMinutes: int('timeout') ?? (quick ? 10 : 30),
    headed: f.headed,
  };
}
