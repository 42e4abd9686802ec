import type { ProbeSuccess } from '../../workers/protocol.ts';
import { AdapterSummary } from './AdapterSummary.tsx';
import { DeviceLossDrill } from './DeviceLossDrill.tsx';
import { FeatureList } from './FeatureList.tsx';
import { KernelCheckResult } from './KernelCheckResult.tsx';
import { LimitsTable } from './LimitsTable.tsx';
import { SoftwareAdapterNotice } from './SoftwareAdapterNotice.tsx';

export function Diagnostics({ probe }: { probe: ProbeSuccess }) {
  return (
    <section className="diagnostics" data-testid="diagnostics" aria-labelledby="diagnostics-title">
      <h2 id="diagnostics-title" className="section-title">
        GPU diagnostics
      </h2>
      {probe.info.isSoftware && <SoftwareAdapterNotice />}
      <div className="stack">
        <div className="grid">
          <AdapterSummary info={probe.info} userAgent={probe.userAgent} />
          <KernelCheckResult check={probe.kernelCheck} />
        </div>
        <FeatureList adapterFeatures={probe.info.features} enabled={probe.features} />
        <LimitsTable limits={probe.info.limits} />
      </div>
      <DeviceLossDrill />
    </section>
  );
}
