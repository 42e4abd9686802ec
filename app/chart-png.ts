/**
 * The plot's own SVG inside a chart holder: the largest one. The legend's
 * icons are small SVGs with the same class (recharts-surface) and may come
 * first in the DOM.
 */
export function chartSurface(holder: Element): SVGSVGElement | null {
  let best: SVGSVGElement | null = null;
  let bestArea = -1;
  for (const svg of holder.querySelectorAll<SVGSVGElement>('svg')) {
    const r = svg.getBoundingClientRect();
    if (r.width * r.height > bestArea) {
      best = svg;
      bestArea = r.width * r.height;
    }
  }
  return best;
}

/** One line of the PNG's key: what the chart's HTML legend and reference labels say, drawn under the plot. */
export interface PngKeyEntry {
  label: string;
  color: string;
  /** SVG stroke-dasharray ("8 4"); undefined: solid. */
  dash?: string;
}

const KEY_ROW = 18;
const KEY_SAMPLE = 26;

/** Rows of key entries that fit the width: [x, y] per entry, and the strip's height. */
function layoutKey(g: CanvasRenderingContext2D, entries: readonly PngKeyEntry[], width: number): { at: [number, number][]; height: number } {
  const at: [number, number][] = [];
  let x = 8;
  let y = 6 + KEY_ROW / 2;
  for (const e of entries) {
    const w = KEY_SAMPLE + 6 + g.measureText(e.label).width + 16;
    if (x > 8 && x + w > width) [x, y] = [8, y + KEY_ROW];
    at.push([x, y]);
    x += w;
  }
  return { at, height: entries.length ? y + KEY_ROW / 2 + 6 : 0 };
}

// A chart's SVG as a PNG: serialise the SVG (its styles are attributes, as
// recharts writes them), draw it on a canvas at 2x on a white background,
// with the key under it (the chart's legend is HTML, outside the SVG).
export async function svgToPng(svg: SVGSVGElement, scale = 2, key: readonly PngKeyEntry[] = []): Promise<Blob> {
  const { width, height: plotHeight } = svg.getBoundingClientRect();
  const family = getComputedStyle(svg).fontFamily;
  const font = `12px ${family}`;
  // The key's rows are measured on the canvas itself, before it is sized (sizing resets only its state).
  const canvas = document.createElement('canvas');
  const g = canvas.getContext('2d');
  if (!g) throw new Error('no 2D canvas in this browser');
  g.font = font;
  const keyLayout = layoutKey(g, key, width);
  const height = plotHeight + keyLayout.height;
  const clone = svg.cloneNode(true) as SVGSVGElement;
  clone.setAttribute('xmlns', 'http://www.w3.org/2000/svg');
  clone.setAttribute('width', String(width));
  clone.setAttribute('height', String(plotHeight));
  // Text takes the page's font only if told so inside the SVG.
  const style = document.createElementNS('http://www.w3.org/2000/svg', 'style');
  style.textContent = `text { font-family: ${family}; font-size: 12px; }`;
  clone.prepend(style);
  const url = URL.createObjectURL(new Blob([new XMLSerializer().serializeToString(clone)], { type: 'image/svg+xml' }));
  try {
    const img = new Image();
    img.decoding = 'sync';
    await new Promise<void>((resolve, reject) => {
      img.onload = () => resolve();
      img.onerror = () => reject(new Error('the chart could not be drawn as an image'));
      img.src = url;
    });
    canvas.width = Math.ceil(width * scale);
    canvas.height = Math.ceil(height * scale);
    g.fillStyle = '#ffffff';
    g.fillRect(0, 0, canvas.width, canvas.height);
    g.scale(scale, scale);
    g.drawImage(img, 0, 0, width, plotHeight);
    g.font = font;
    g.textBaseline = 'middle';
    key.forEach((e, i) => {
      const [x, y] = keyLayout.at[i]!;
      g.beginPath();
      g.setLineDash(e.dash ? e.dash.split(/[\s,]+/).map(Number) : []);
      g.strokeStyle = e.color;
      g.lineWidth = 2.5;
      g.moveTo(x, plotHeight + y);
      g.lineTo(x + KEY_SAMPLE, plotHeight + y);
      g.stroke();
      g.fillStyle = '#1d2230';
      g.fillText(e.label, x + KEY_SAMPLE + 6, plotHeight + y);
    });
    return await new Promise<Blob>((resolve, reject) => canvas.toBlob((b) => (b ? resolve(b) : reject(new Error('PNG encoding failed'))), 'image/png'));
  } finally {
    URL.revokeObjectURL(url);
  }
}
