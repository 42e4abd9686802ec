// onnxruntime-web as a PerplexityRunner. The library is not bundled: the page
// imports the copy the bench server serves at /ort/ (node_modules/onnxruntime-web/dist),
// and its wasm files load from there too, so nothing comes from a CDN.
// ort.min.mjs is the JSEP build: one module gives both the 'webgpu' and 'wasm' providers.
import type * as Ort from 'onnxruntime-web';
import type { PerplexityRunner } from './perplexity-runner.ts';

export type OrtProvider = 'webgpu' | 'wasm';

let ortModule: Promise<typeof Ort> | null = null;

/** Threads for the wasm provider: several only where SharedArrayBuffer exists (cross-origin isolated). */
export function ortThreads(): number {
  return globalThis.crossOriginIsolated ? Math.max(1, Math.min(4, navigator.hardwareConcurrency || 1)) : 1;
}

export function loadOrt(base = '/ort/'): Promise<typeof Ort> {
  ortModule ??= (async () => {
    const ort = (await import(/* @vite-ignore */ `${base}ort.min.mjs`)) as typeof Ort;
    ort.env.wasm.wasmPaths = base;
    ort.env.wasm.numThreads = ortThreads();
    ort.env.logLevel = 'error';
    return ort;
  })();
  return ortModule;
}

export async function createOrtRunner(provider: OrtProvider, onnx: Uint8Array): Promise<PerplexityRunner> {
  const ort = await loadOrt();
  // ORT copies the bytes into its wasm heap; the caller's buffer is reused for the next provider.
  const session = await ort.InferenceSession.create(onnx, {
    executionProviders: [provider],
    graphOptimizationLevel: 'all',
    logSeverityLevel: 3, // errors only: its node-placement warnings are expected (shape ops run on the CPU)
  });
  const threads = provider === 'wasm' ? `, ${ort.env.wasm.numThreads} thread(s)` : '';
  return {
    detail: `onnxruntime-web ${ort.env.versions.web ?? '?'}, ${provider} EP${threads}`,
    async nll(ids, batch, seq) {
      const input = new ort.Tensor('int64', BigInt64Array.from(ids, (x) => BigInt(x)), [batch, seq]);
      const out = await session.run({ input_ids: input });
      const nll = out.nll;
      if (!nll) throw new Error('the ONNX graph has no "nll" output');
      const data = (await nll.getData()) as Float32Array;
      nll.dispose();
      return data;
    },
    release: () => session.release(),
  };
}
