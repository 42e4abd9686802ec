import type { GpuInfo } from '../../models/gpu/device.ts';

export function AdapterSummary({ info, userAgent }: { info: GpuInfo; userAgent: string }) {
  const rows: Array<[label: string, value: string, testId: string]> = [
    ['Adapter', info.description, 'adapter-description'],
    ['Vendor', info.vendor || '—', 'adapter-vendor'],
    ['Architecture', info.architecture || '—', 'adapter-architecture'],
    ['Device', info.device || '—', 'adapter-device'],
    ['Kind', info.isSoftware ? 'Software (CPU)' : 'Hardware', 'adapter-kind'],
    ['Browser', userAgent, 'adapter-user-agent'],
  ];
  return (
    <div className="card" data-testid="adapter-summary">
      <h3>Adapter</h3>
      <dl className="facts">
        {rows.map(([label, value, testId]) => (
          <div className="fact" key={label}>
            <dt>{label}</dt>
            <dd data-testid={testId}>{value}</dd>
          </div>
        ))}
      </dl>
    </div>
  );
}
