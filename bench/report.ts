// The result as tables: per backend and shape, tokens/s, how many times
// faster ours is (ours/that), and the share of the adapter's measured matmul
// peak the pass achieves; then the matmul sweep itself.
import type { BenchResult, PerplexityResult } from './plan.ts';

const fmt = (x: number | undefined, digits = 1) => (x === undefined || !Number.isFinite(x) ? '—' : x.toFixed(digits));

function ratio(ours: PerplexityResult | undefined, that: PerplexityResult): string {
  if (!ours?.tokensPerSecond || !that.tokensPerSecond) return '—';
  return `${(ours.tokensPerSecond / that.tokensPerSecond).toFixed(2)}×`;
}

function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

export function perplexityTable(r: BenchResult): string {
  const rows = r.perplexity.map((p) => {
    const ours = r.perplexity.find((q) => q.backend === 'ours' && q.shape === p.shape);
    const share = p.gflops && r.matmulPeakGflops ? `${((100 * p.gflops) / r.matmulPeakGflops).toFixed(1)}%` : '—';
    return [
      p.backend,
      `${p.shape} ${p.batch}×${p.seq}`,
      fmt(p.tokensPerSecond),
      p.backend === 'ours' ? '1.00×' : ratio(ours, p),
      share,
      p.runs ? `${fmt(p.runs.medianSeconds, 3)} (${p.runs.seconds.length} runs)` : '—',
      fmt(p.loadSeconds),
      fmt(p.meanNll, 5),
      p.status === 'ok' ? (p.detail ?? '') : p.status,
    ];
  });
  return table(['backend', 'shape batch×seq', 'tokens/s', 'ours/that', 'share of matmul peak', 'median s', 'load s', 'mean NLL', 'notes'], rows);
}

export function matmulTable(r: BenchResult): string {
  const rows = r.matmul.map((m) => [
    m.config,
    `${m.m}×${m.k}×${m.n}${m.transB ? ' (Bᵀ)' : ''}`,
    fmt(m.gflops, 2),
    r.matmulPeakGflops ? `${((100 * m.gflops) / r.matmulPeakGflops).toFixed(0)}%` : '—',
    fmt(m.secondsPerDispatch * 1000, 1),
    String(m.dispatches),
  ]);
  return table(['tile config', 'M×K×N', 'GFLOP/s', 'of peak', 'ms/dispatch', 'dispatches per round'], rows);
}

/** Largest gap between backends' mean NLL per shape: they run the same model on the same ids. */
export function nllAgreement(r: BenchResult): string[] {
  const lines: string[] = [];
  for (const shape of new Set(r.perplexity.map((p) => p.shape))) {
    const ok = r.perplexity.filter((p) => p.shape === shape && p.meanNll !== undefined);
    if (ok.length < 2) continue;
    const values = ok.map((p) => p.meanNll!);
    const gap = Math.max(...values) - Math.min(...values);
    // f32 engines differ by ~1e-4 nats; more means one computes another model.
    const verdict = gap <= 1e-3 ? 'agree within' : 'WARNING: DISAGREE by';
    lines.push(`${shape}: mean NLL of ${ok.map((p) => p.backend).join(', ')} ${verdict} ${gap.toExponential(1)} nats`);
  }
  return lines;
}

export function markdownReport(r: BenchResult): string {
  return [
    `# Benchmark ${r.startedAt}`,
    '',
    `Adapter: ${r.adapter}. Browser: ${r.userAgent}. Cross-origin isolated: ${r.crossOriginIsolated}.`,
    `Perplexity pass = forward of batch×seq random token ids (seed ${r.plan.seed}, identical for every backend) with per-token NLL read back; tokens/s = batch·seq / median seconds.`,
    `Share of matmul peak = model FLOPs per pass / median seconds, over the best GFLOP/s of our matmul kernel (${r.matmulPeakGflops ? r.matmulPeakGflops.toFixed(2) : '—'} GFLOP/s, ${r.matmulTiming}).` +
      ' It is a yardstick, not a ceiling: the peak is measured at a few shapes at another moment (a shared CPU drifts), and ort-wasm runs on the CPU, not on the WebGPU adapter.',
    '',
    perplexityTable(r),
    '',
    ...nllAgreement(r).map((l) => `- ${l}`),
    '',
    '## Our matmul kernel by tile configuration',
    '',
    r.matmul.length ? matmulTable(r) : '(skipped)',
    '',
  ].join('\n');
}
