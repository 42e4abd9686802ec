// The collapse curves as a standalone SVG (no browser, no chart library):
// top panel ME-PPL on a log axis against the edit number (0 = unedited) with
// the collapse threshold dashed; bottom panel each task's accuracy in [0, 1].
// Collapsed points are red; a non-finite ME-PPL is drawn at the top edge as "∞".

export interface CurvePoint {
  /** 0 = baseline, k = after the k-th edit of the sweep. */
  x: number;
  mePpl: number;
  collapsed: boolean;
  tasks: Record<string, number>;
}

export interface CurveOptions {
  title: string;
  threshold: number | null;
  tasks: readonly string[];
  mode: 'single' | 'sequential';
}

const W = 820;
const PANEL_H = 260;
const M = { left: 70, right: 150, top: 40, gap: 60, bottom: 45 };
const COLORS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#9467bd', '#8c564b', '#e377c2', '#17becf', '#bcbd22'];

const esc = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
const fmt = (v: number) => (Math.abs(v) >= 1e4 || Math.abs(v) < 1e-2 ? v.toExponential(0) : String(Number(v.toPrecision(3))));

export function curvesSvg(points: readonly CurvePoint[], opts: CurveOptions): string {
  const plotW = W - M.left - M.right;
  const top0 = M.top;
  const top1 = M.top + PANEL_H + M.gap;
  const H = top1 + PANEL_H + M.bottom;
  const xMax = Math.max(1, ...points.map((p) => p.x));
  const xs = (x: number) => M.left + (x / xMax) * plotW;
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`);
  out.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  out.push(`<text x="${W / 2}" y="20" text-anchor="middle" font-size="14">${esc(opts.title)}</text>`);

  // Top: log10 ME-PPL.
  const { svg: pplAxis, yOf } = logPplPanel(points, top0, plotW, opts.threshold, true);
  out.push(...pplAxis);
  out.push(polyline(points.map((p) => [xs(p.x), yOf(p)]), '#333'));
  for (const p of points) {
    const y = yOf(p);
    out.push(`<circle cx="${xs(p.x)}" cy="${y}" r="3" fill="${p.collapsed ? '#d62728' : '#333'}"><title>edit ${p.x}: ME-PPL ${p.mePpl}</title></circle>`);
    if (!Number.isFinite(p.mePpl)) out.push(`<text x="${xs(p.x)}" y="${y - 6}" text-anchor="middle" fill="#d62728">∞</text>`);
  }

  // Bottom: task accuracies.
  const ys1 = (v: number) => top1 + PANEL_H - v * PANEL_H;
  out.push(frame(top1, plotW));
  for (let v = 0; v <= 1.0001; v += 0.25) {
    const y = ys1(v);
    out.push(`<line x1="${M.left}" x2="${M.left + plotW}" y1="${y}" y2="${y}" stroke="#eee"/><text x="${M.left - 6}" y="${y + 4}" text-anchor="end">${v.toFixed(2)}</text>`);
  }
  out.push(`<text transform="translate(18 ${top1 + PANEL_H / 2}) rotate(-90)" text-anchor="middle">task accuracy</text>`);
  if (!opts.tasks.length) out.push(`<text x="${M.left + plotW / 2}" y="${top1 + PANEL_H / 2}" text-anchor="middle" fill="#888">no tasks in this sweep</text>`);
  opts.tasks.forEach((t, k) => {
    const color = COLORS[k % COLORS.length]!;
    const pts = points.filter((p) => Number.isFinite(p.tasks[t])).map((p) => [xs(p.x), ys1(p.tasks[t]!)] as [number, number]);
    out.push(polyline(pts, color));
    for (const [x, y] of pts) out.push(`<circle cx="${x}" cy="${y}" r="2.5" fill="${color}"/>`);
    out.push(`<rect x="${M.left + plotW + 12}" y="${top1 + 10 + k * 18}" width="12" height="3" fill="${color}"/><text x="${M.left + plotW + 30}" y="${top1 + 15 + k * 18}">${esc(t)}</text>`);
  });

  // Shared x axis labels.
  const xStep = Math.max(1, Math.ceil(xMax / 10));
  for (const top of [top0, top1]) {
    for (let x = 0; x <= xMax; x += xStep) out.push(`<text x="${xs(x)}" y="${top + PANEL_H + 16}" text-anchor="middle">${x}</text>`);
  }
  out.push(`<text x="${M.left + plotW / 2}" y="${H - 8}" text-anchor="middle">${opts.mode === 'sequential' ? 'edits applied (sequential)' : 'edit number (single: each on the original model)'}</text>`);
  out.push('</svg>');
  return out.join('\n') + '\n';
}

function frame(top: number, plotW: number): string {
  return `<rect x="${M.left}" y="${top}" width="${plotW}" height="${PANEL_H}" fill="none" stroke="#999"/>`;
}

function polyline(pts: readonly (readonly [number, number])[], color: string): string {
  if (pts.length < 2) return '';
  return `<polyline fill="none" stroke="${color}" stroke-width="1.5" points="${pts.map(([x, y]) => `${x.toFixed(1)},${y.toFixed(1)}`).join(' ')}"/>`;
}

export interface MethodSeries {
  label: string;
  points: readonly CurvePoint[];
}

/** One ME-PPL curve per method on one log axis, with a legend (lab sweep --methods). */
export function methodsSvg(series: readonly MethodSeries[], opts: { title: string; threshold: number | null; mode: 'single' | 'sequential' }): string {
  const plotW = W - M.left - M.right;
  const top = M.top;
  const H = top + PANEL_H + M.bottom;
  const all = series.flatMap((s) => s.points);
  const xMax = Math.max(1, ...all.map((p) => p.x));
  const xs = (x: number) => M.left + (x / xMax) * plotW;
  const { svg: pplAxis, yOf } = logPplPanel(all, top, plotW, opts.threshold, false);
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`);
  out.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  out.push(`<text x="${W / 2}" y="20" text-anchor="middle" font-size="14">${esc(opts.title)}</text>`);
  out.push(...pplAxis);
  series.forEach((s, k) => {
    const color = COLORS[k % COLORS.length]!;
    out.push(`<g data-method="${esc(s.label)}">`);
    out.push(polyline(s.points.map((p) => [xs(p.x), yOf(p)]), color));
    for (const p of s.points) {
      out.push(`<circle cx="${xs(p.x)}" cy="${yOf(p)}" r="3" fill="${p.collapsed ? '#d62728' : color}"><title>${esc(s.label)}, edit ${p.x}: ME-PPL ${p.mePpl}</title></circle>`);
    }
    out.push('</g>');
    out.push(`<rect x="${M.left + plotW + 12}" y="${top + 10 + k * 18}" width="12" height="3" fill="${color}"/><text x="${M.left + plotW + 30}" y="${top + 15 + k * 18}">${esc(s.label)}</text>`);
  });
  const xStep = Math.max(1, Math.ceil(xMax / 10));
  for (let x = 0; x <= xMax; x += xStep) out.push(`<text x="${xs(x)}" y="${top + PANEL_H + 16}" text-anchor="middle">${x}</text>`);
  out.push(`<text x="${M.left + plotW / 2}" y="${H - 8}" text-anchor="middle">${opts.mode === 'sequential' ? 'edits applied (sequential)' : 'edit number (single: each on the original model)'}</text>`);
  out.push('</svg>');
  return out.join('\n') + '\n';
}

/** The ME-PPL panel's frame, log10 grid and title, and the collapse line (labelled on request), at `top`; and where a point's ME-PPL lands (off-scale: the top). */
function logPplPanel(points: readonly CurvePoint[], top: number, plotW: number, threshold: number | null | undefined, labelThreshold: boolean): { svg: string[]; yOf: (p: CurvePoint) => number } {
  const finite = points.map((p) => p.mePpl).filter((v) => Number.isFinite(v) && v > 0);
  if (threshold && Number.isFinite(threshold)) finite.push(threshold);
  const lo = Math.floor(Math.log10(Math.min(...(finite.length ? finite : [1]))));
  const hi = Math.max(lo + 1, Math.ceil(Math.log10(Math.max(...(finite.length ? finite : [10])))));
  const ys = (v: number) => top + PANEL_H - ((Math.log10(v) - lo) / (hi - lo)) * PANEL_H;
  const svg = [frame(top, plotW)];
  const step = Math.max(1, Math.ceil((hi - lo) / 8));
  for (let e = lo; e <= hi; e += step) {
    const y = ys(10 ** e);
    svg.push(`<line x1="${M.left}" x2="${M.left + plotW}" y1="${y}" y2="${y}" stroke="#eee"/><text x="${M.left - 6}" y="${y + 4}" text-anchor="end">1e${e}</text>`);
  }
  svg.push(`<text transform="translate(18 ${top + PANEL_H / 2}) rotate(-90)" text-anchor="middle">ME-PPL (log scale)</text>`);
  if (threshold && Number.isFinite(threshold)) {
    const y = ys(threshold);
    svg.push(`<line x1="${M.left}" x2="${M.left + plotW}" y1="${y}" y2="${y}" stroke="#d62728" stroke-dasharray="6 4"/>`);
    if (labelThreshold) svg.push(`<text x="${M.left + plotW + 6}" y="${y + 4}" fill="#d62728">collapse ${fmt(threshold)}</text>`);
  }
  return { svg, yOf: (p) => (Number.isFinite(p.mePpl) && p.mePpl > 0 ? ys(p.mePpl) : top) };
}
