import { useGpuStore, type GpuStatus } from '../store.ts';

const LABELS: Record<GpuStatus, string> = {
  idle: 'Starting…',
  probing: 'Checking GPU…',
  ready: 'GPU ready',
  failed: 'No GPU',
};

export function GpuStatusBadge() {
  const status = useGpuStore((s) => s.status);
  const isSoftware = useGpuStore((s) => s.probe?.info.isSoftware ?? false);
  const errorKind = useGpuStore((s) => s.error?.kind);
  const label = status === 'failed' && errorKind === 'device-lost' ? 'GPU lost' : LABELS[status];
  const tone = status === 'ready' ? (isSoftware ? 'warn' : 'ok') : status === 'failed' ? 'bad' : 'busy';
  return (
    <span className={`badge badge-${tone}`} data-testid="gpu-status" data-status={status}>
      {label}
      {status === 'ready' && isSoftware ? ' (software)' : ''}
    </span>
  );
}
