// Our engine as a PerplexityRunner: GPT-2 on our WGSL kernels over the page's
// WebGPU device (models/gpt2), loaded by HTTP range from the served model
// folder. The NLL is computed on the GPU (chunked unembedding folded into
// running log-softmax statistics) and only a few floats per token are read back.
import { destroyGpt2Weights } from '../models/gpt2/gpu-weights.ts';
import { loadGpt2, urlModelFiles } from '../models/gpt2/load.ts';
import { scoreSequences } from '../models/gpt2/score.ts';
import type { GpuContext } from '../models/gpu/context.ts';
import type { PerplexityRunner } from './perplexity-runner.ts';

/** A backend that cannot run here (kept for engines or features that are missing). */
export class NotAvailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NotAvailableError';
  }
}

export async function createOursRunner(ctx: GpuContext, modelUrl: string): Promise<PerplexityRunner> {
  const model = await loadGpt2(ctx, urlModelFiles(modelUrl));
  return {
    detail: `our WGSL kernels, ${ctx.gpu.info.description}`,
    async nll(ids, batch, seq) {
      const seqs = Array.from({ length: batch }, (_, b) => Array.from(ids.subarray(b * seq, (b + 1) * seq)));
      // maxRows = the whole batch: one forward pass, as ONNX Runtime gets.
      const scores = await scoreSequences(model, seqs, { maxRows: batch * seq });
      const out = new Float32Array(batch * (seq - 1));
      scores.forEach((s, b) => out.set(s.nll, b * (seq - 1)));
      return out;
    },
    async release() {
      await ctx.sync();
      destroyGpt2Weights(model.weights);
    },
  };
}
