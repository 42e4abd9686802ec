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

// A chart's SVG as a PNG: serialise the SVG (its styles are attributes, as
// recharts writes them), draw it on a canvas at 2x on a white background.
export async function svgToPng(svg: SVGSVGElement, scale = 2): Promise<Blob> {
  const { width, height } = svg.getBoundingClientRect();
  const clone = svg.cloneNode(true) as SVGSVGElement;
  clone.setAttribute('xmlns', 'http://www.w3.org/2000/svg');
  clone.setAttribute('width', String(width));
  clone.setAttribute('height', String(height));
  // Text takes the page's font only if told so inside the SVG.
  const style = document.createElementNS('http://www.w3.org/2000/svg', 'style');
  style.textContent = `text { font-family: ${getComputedStyle(svg).fontFamily}; font-size: 12px; }`;
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
    const canvas = document.createElement('canvas');
    canvas.width = Math.ceil(width * scale);
    canvas.height = Math.ceil(height * scale);
    const g = canvas.getContext('2d');
    if (!g) throw new Error('no 2D canvas in this browser');
    g.fillStyle = '#ffffff';
    g.fillRect(0, 0, canvas.width, canvas.height);
    g.scale(scale, scale);
    g.drawImage(img, 0, 0, width, height);
    return await new Promise<Blob>((resolve, reject) => canvas.toBlob((b) => (b ? resolve(b) : reject(new Error('PNG encoding failed'))), 'image/png'));
  } finally {
    URL.revokeObjectURL(url);
  }
}
