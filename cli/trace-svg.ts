// Causal-trace heat maps as a standalone SVG (ROME's Figure 1 layout): one
// panel per restored activation (hidden state, MLP output), token groups down,
// layers across, darker = larger average indirect effect. The picked layer is
// outlined.
import type { TraceSummary } from '../models/editing/causal-trace.ts';

const CELL_W = 44;
const CELL_H = 26;
const LABEL_W = 170;
const PANEL_GAP = 40;

const esc = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

export function traceSvg(t: TraceSummary, title: string): string {
  const panels: [string, number[][], string][] = [
    ['hidden state (block output) restored', t.hidden, '#6a3d9a'],
    ['MLP output restored', t.mlp, '#1b7837'],
  ];
  const panelW = LABEL_W + t.layers * CELL_W + 70;
  const panelH = 40 + t.groups.length * CELL_H + 40;
  const W = panelW * panels.length + PANEL_GAP;
  const H = panelH + 50;
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`);
  out.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  out.push(`<text x="${W / 2}" y="20" text-anchor="middle" font-size="14">${esc(title)}</text>`);
  panels.forEach(([name, m, color], p) => {
    const x0 = p * (panelW + PANEL_GAP) + LABEL_W;
    const y0 = 60;
    const max = Math.max(1e-9, ...m.flat());
    out.push(`<text x="${x0 + (t.layers * CELL_W) / 2}" y="${y0 - 14}" text-anchor="middle">${esc(name)}</text>`);
    m.forEach((row, g) => {
      out.push(`<text x="${x0 - 6}" y="${y0 + g * CELL_H + CELL_H / 2 + 4}" text-anchor="end">${esc(t.groups[g]!)}</text>`);
      row.forEach((v, l) => {
        const a = Math.max(0, v) / max;
        out.push(
          `<rect x="${x0 + l * CELL_W}" y="${y0 + g * CELL_H}" width="${CELL_W}" height="${CELL_H}" fill="${color}" fill-opacity="${a.toFixed(3)}" stroke="#ddd"><title>${esc(t.groups[g]!)}, layer ${l}: ${v.toFixed(4)}</title></rect>`,
        );
        out.push(`<text x="${x0 + l * CELL_W + CELL_W / 2}" y="${y0 + g * CELL_H + CELL_H / 2 + 4}" text-anchor="middle" font-size="10" fill="${a > 0.55 ? 'white' : 'black'}">${v.toFixed(2)}</text>`);
      });
    });
    for (let l = 0; l < t.layers; l++) out.push(`<text x="${x0 + l * CELL_W + CELL_W / 2}" y="${y0 + t.groups.length * CELL_H + 16}" text-anchor="middle">${l}</text>`);
    out.push(`<text x="${x0 + (t.layers * CELL_W) / 2}" y="${y0 + t.groups.length * CELL_H + 34}" text-anchor="middle">layer</text>`);
    if (p === 1) {
      out.push(`<rect x="${x0 + t.bestLayer * CELL_W}" y="${y0 + 2 * CELL_H}" width="${CELL_W}" height="${CELL_H}" fill="none" stroke="black" stroke-width="2.5"/>`);
    }
  });
  out.push(
    `<text x="${W / 2}" y="${H - 10}" text-anchor="middle" font-size="11">average indirect effect on P(answer) over ${t.cases} facts (clean ${t.pClean.toFixed(3)}, corrupted ${t.pCorrupt.toFixed(3)}); outlined: the edit layer</text>`,
  );
  out.push('</svg>');
  return out.join('\n');
}
