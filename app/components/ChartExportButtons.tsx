import { useState, type RefObject } from 'react';
import { curveCsv, curveJson } from '../curve-export.ts';
import type { CurveSeries } from '../curve.ts';
import { chartSurface, svgToPng, type PngKeyEntry } from '../chart-png.ts';
import { downloadBlob, downloadText } from '../download.ts';

/** The curve as CSV, JSON or a PNG of the chart (with its key: every line's name, the unedited and collapse lines). */
export function ChartExportButtons({ series, svgHolder, pngKey }: { series: CurveSeries[]; svgHolder: RefObject<HTMLDivElement | null>; pngKey: readonly PngKeyEntry[] }) {
  const [problem, setProblem] = useState<string | null>(null);
  const png = async () => {
    const svg = svgHolder.current ? chartSurface(svgHolder.current) : null;
    if (!svg) return;
    try {
      downloadBlob(await svgToPng(svg, 2, pngKey), 'butterfly-lab-curve.png');
      setProblem(null);
    } catch (e) {
      setProblem(e instanceof Error ? e.message : String(e));
    }
  };
  return (
    <div className="row export-buttons">
      <span className="muted small">Export curve:</span>
      <button type="button" className="link-button" data-testid="export-csv" onClick={() => downloadText(curveCsv(series), 'butterfly-lab-curve.csv', 'text/csv')}>
        CSV
      </button>
      <button type="button" className="link-button" data-testid="export-json" onClick={() => downloadText(curveJson(series), 'butterfly-lab-curve.json', 'application/json')}>
        JSON
      </button>
      <button type="button" className="link-button" data-testid="export-png" onClick={() => void png()}>
        PNG
      </button>
      {problem && <span className="field-error">{problem}</span>}
    </div>
  );
}
