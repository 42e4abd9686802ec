// The paper's claim in numbers: across a sweep's steps, how log ME-PPL moves
// with each task's accuracy. Pearson on the values; Spearman as Pearson on
// ranks (ties share their mean rank). Pairs where either value is not
// finite are left out; fewer than 3 pairs, or a constant series, give NaN.

export function pearson(x: readonly number[], y: readonly number[]): number {
  if (x.length !== y.length) throw new Error(`pearson: ${x.length} x values, ${y.length} y values`);
  const n = x.length;
  if (n < 3) return NaN;
  const mx = x.reduce((a, b) => a + b, 0) / n;
  const my = y.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = x[i]! - mx;
    const dy = y[i]! - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  if (sxx === 0 || syy === 0) return NaN;
  return Math.max(-1, Math.min(1, sxy / Math.sqrt(sxx * syy)));
}

/** 1-based ranks, ties averaged. */
export function ranks(x: readonly number[]): number[] {
  const order = x.map((v, i) => ({ v, i })).sort((a, b) => a.v - b.v);
  const r = new Array<number>(x.length);
  for (let s = 0; s < order.length; ) {
    let e = s;
    while (e + 1 < order.length && order[e + 1]!.v === order[s]!.v) e++;
    const avg = (s + e) / 2 + 1;
    for (let k = s; k <= e; k++) r[order[k]!.i] = avg;
    s = e + 1;
  }
  return r;
}

export function spearman(x: readonly number[], y: readonly number[]): number {
  return pearson(ranks(x), ranks(y));
}

export interface CorrelationPoint {
  me_ppl: number;
  tasks: Record<string, number>;
}

export interface TaskCorrelation {
  task: string;
  /** Pairs used. */
  n: number;
  pearson: number;
  spearman: number;
}

/** Correlation of log ME-PPL with each task's accuracy over the points (a sweep's steps). */
export function correlationReport(points: readonly CorrelationPoint[]): TaskCorrelation[] {
  const tasks = [...new Set(points.flatMap((p) => Object.keys(p.tasks)))];
  return tasks.map((task) => {
    const pairs = points
      .map((p) => [Math.log(p.me_ppl), p.tasks[task]] as const)
      .filter((pair): pair is readonly [number, number] => Number.isFinite(pair[0]) && typeof pair[1] === 'number' && Number.isFinite(pair[1]));
    const x = pairs.map((p) => p[0]);
    const y = pairs.map((p) => p[1]);
    return { task, n: pairs.length, pearson: pearson(x, y), spearman: spearman(x, y) };
  });
}

export function formatCorrelation(rows: readonly TaskCorrelation[]): string {
  if (!rows.length) return 'correlation: no tasks were scored';
  const f = (v: number) => (Number.isFinite(v) ? v.toFixed(3).padStart(7) : '    n/a');
  return ['log ME-PPL vs task accuracy   n   Pearson  Spearman', ...rows.map((r) => `${r.task.padEnd(28)}${String(r.n).padStart(3)}  ${f(r.pearson)}  ${f(r.spearman)}`)].join('\n');
}
