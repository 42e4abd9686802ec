import { lazy, Suspense } from 'react';
import type { ProbeSuccess } from '../../workers/protocol.ts';
import { useLabSession } from '../store-lab.ts';
import { ComparePanel } from './ComparePanel.tsx';
import { EditDetails } from './EditDetails.tsx';
import { ErrorBanner } from './ErrorBanner.tsx';
import { FactPanel } from './FactPanel.tsx';
import { HistoryPanel } from './HistoryPanel.tsx';
import { LinkErrorBanner } from './LinkErrorBanner.tsx';
import { ModelPanel } from './ModelPanel.tsx';
import { NoticeBanner } from './NoticeBanner.tsx';
import { OperationProgress } from './OperationProgress.tsx';
import { PendingExperimentBanner } from './PendingExperimentBanner.tsx';
import { PointsTable } from './PointsTable.tsx';
import { SettingsPanel } from './SettingsPanel.tsx';
import { SharePanel } from './SharePanel.tsx';
import { SoftwareAdapterNotice } from './SoftwareAdapterNotice.tsx';

// The chart (recharts, the largest dependency) loads as its own chunk, after the first paint.
const CollapseChart = lazy(() => import('./CollapseChart.tsx').then((m) => ({ default: m.CollapseChart })));

/** The lab: model and settings on the left, facts, the live curve and the history on the right. */
export function LabView({ probe }: { probe: ProbeSuccess }) {
  const hasModel = useLabSession((s) => s.model !== null);
  const restored = useLabSession((s) => s.restored !== null);
  return (
    <div className="lab" data-testid="lab">
      <LinkErrorBanner />
      <PendingExperimentBanner />
      <ErrorBanner />
      <NoticeBanner />
      {probe.info.isSoftware && <SoftwareAdapterNotice />}
      <OperationProgress />
      <div className="lab-grid">
        <aside className="lab-side">
          <ModelPanel probe={probe} />
          <SettingsPanel />
        </aside>
        <div className="lab-main">
          <FactPanel />
          <Suspense fallback={<section className="card panel muted" data-testid="chart-loading">Loading the chart…</section>}>
            <CollapseChart />
          </Suspense>
          {restored && !hasModel && <PointsTable />}
          {hasModel && (
            <>
              <PointsTable />
              <EditDetails />
              <HistoryPanel />
              <ComparePanel />
              <SharePanel />
            </>
          )}
        </div>
      </div>
    </div>
  );
}
