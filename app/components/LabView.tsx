import { lazy, Suspense } from 'react';
import type { ProbeSuccess } from '../../workers/protocol.ts';
import { useLabSession } from '../store-lab.ts';
import { ComparePanel } from './ComparePanel.tsx';
import { EditDetails } from './EditDetails.tsx';
import { ErrorBanner } from './ErrorBanner.tsx';
import { FactPanel } from './FactPanel.tsx';
import { HistoryPanel } from './HistoryPanel.tsx';
import { LessonChartFocus } from './LessonChartFocus.tsx';
import { LessonPanel } from './LessonPanel.tsx';
import { LinkErrorBanner } from './LinkErrorBanner.tsx';
import { ModelPanel } from './ModelPanel.tsx';
import { NoticeBanner } from './NoticeBanner.tsx';
import { OpenResults } from './OpenResults.tsx';
import { OpenResultsNotice } from './OpenResultsNotice.tsx';
import { OperationProgress } from './OperationProgress.tsx';
import { PendingExperimentBanner } from './PendingExperimentBanner.tsx';
import { PointsTable } from './PointsTable.tsx';
import { PresetsPanel } from './PresetsPanel.tsx';
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
      <OpenResultsNotice />
      <ErrorBanner />
      <NoticeBanner />
      {probe.info.isSoftware && <SoftwareAdapterNotice />}
      <OperationProgress />
      <div className="lab-grid">
        <aside className="lab-side">
          <LessonPanel />
          <ModelPanel probe={probe} />
          <SettingsPanel />
          <PresetsPanel />
        </aside>
        <div className="lab-main">
          <FactPanel />
          <LessonChartFocus>
            <Suspense fallback={<section className="card panel muted" data-testid="chart-loading">Loading the chart…</section>}>
              <CollapseChart />
            </Suspense>
          </LessonChartFocus>
          {restored && !hasModel && <PointsTable />}
          <OpenResults />
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
