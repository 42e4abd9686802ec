// The files each benchmark shape needs, made on first use and cached:
// random GPT-2 small weights (make-weights.ts) and the ONNX export of each
// model (export_onnx.py, run with the system python's torch). The tiny export
// is checked against the fixture's golden NLL, in torch and in onnxruntime.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { gpt2Preset } from '../models/gpt2/presets.ts';
import { writeRandomGpt2 } from './make-weights.ts';
import { verifyOnnxNll } from './verify-onnx.ts';

export const CACHE_DIR = '.cache/bench';
const SMALL_SEED = 1;

export interface ShapeAssets {
  name: string;
  /** Folder with config.json + model.safetensors. */
  modelDir: string;
  onnxPath: string;
  /** Golden forward outputs to check the export against, if any. */
  forwardJson?: string;
}

export const SHAPE_ASSETS: Record<string, ShapeAssets> = {
  tiny: {
    name: 'tiny',
    modelDir: 'public/models/tiny-gpt2',
    onnxPath: join(CACHE_DIR, 'tiny-gpt2', 'model-nll.onnx'),
    forwardJson: 'tests/fixtures/tiny-gpt2/forward.json',
  },
  small: {
    name: 'small',
    modelDir: join(CACHE_DIR, 'gpt2-small-random'),
    onnxPath: join(CACHE_DIR, 'gpt2-small-random', 'model-nll.onnx'),
  },
};

function python(): string {
  return process.env.BENCH_PYTHON ?? (existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');
}

function checkTorch(py: string): void {
  const r = spawnSync(py, ['-c', 'import torch, numpy'], { encoding: 'utf8' });
  if (r.status !== 0) {
    throw new Error(
      `Exporting the ONNX models needs Python with torch and numpy (${py}: ${r.error?.message ?? r.stderr.trim().split('\n').pop()}).\n` +
        'On Debian/Ubuntu: sudo apt-get install python3-torch   (or: pip install torch numpy; set BENCH_PYTHON to that python)',
    );
  }
}

const mtime = (p: string) => statSync(p).mtimeMs;

export async function prepareShape(assets: ShapeAssets, opts: { onnx: boolean; log: (line: string) => void }): Promise<void> {
  const { log } = opts;
  const weights = join(assets.modelDir, 'model.safetensors');
  if (!existsSync(weights) || !existsSync(join(assets.modelDir, 'config.json'))) {
    if (assets.name !== 'small') throw new Error(`${weights} is missing`);
    log(`making random GPT-2 small weights in ${assets.modelDir} (seed ${SMALL_SEED}) ...`);
    writeRandomGpt2(assets.modelDir, gpt2Preset('gpt2').config, SMALL_SEED);
  }
  if (!opts.onnx || (existsSync(assets.onnxPath) && mtime(assets.onnxPath) >= mtime(weights))) return;

  const py = python();
  checkTorch(py);
  mkdirSync(dirname(assets.onnxPath), { recursive: true });
  log(`exporting ${assets.modelDir} to ONNX (${assets.onnxPath}) ...`);
  const args = ['bench/export_onnx.py', assets.modelDir, assets.onnxPath];
  if (assets.forwardJson) args.push('--verify', assets.forwardJson);
  const r = spawnSync(py, args, { stdio: ['ignore', 'inherit', 'pipe'], encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`export_onnx.py failed:\n${r.stderr}`);
  if (assets.forwardJson) {
    const worst = await verifyOnnxNll(assets.onnxPath, assets.forwardJson);
    log(`verify: onnxruntime (wasm) NLL matches ${assets.forwardJson}: max |diff| ${worst.toExponential(2)}`);
  }
}
