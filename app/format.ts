// Number formatting for the diagnostics.

/** Limits measured in bytes (the rest are counts). */
const BYTE_LIMITS = new Set([
  'maxStorageBufferBindingSize',
  'maxBufferSize',
  'maxComputeWorkgroupStorageSize',
  'maxUniformBufferBindingSize',
]);

export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = bytes;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${v} B` : `${v.toFixed(v >= 100 ? 0 : v >= 10 ? 1 : 2)} ${units[u]}`;
}

export function formatLimit(name: string, value: number): string {
  const exact = value.toLocaleString('en-US');
  return BYTE_LIMITS.has(name) ? `${exact} (${formatBytes(value)})` : exact;
}

export function formatMs(ms: number): string {
  return ms < 10 ? `${ms.toFixed(2)} ms` : ms < 1000 ? `${ms.toFixed(1)} ms` : `${(ms / 1000).toFixed(2)} s`;
}

/** Perplexities span 10 to 10^6 and beyond: four significant digits, exponent when huge. */
export function formatPpl(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (v >= 1e6) return v.toExponential(3);
  return v.toPrecision(4);
}

export function formatProb(p: number | null): string {
  if (p === null || !Number.isFinite(p)) return '—';
  if (p === 0) return '0';
  if (p < 1e-4) return p.toExponential(2);
  return `${(p * 100).toPrecision(3)}%`;
}

export function formatNumber(v: number, digits = 4): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  return a !== 0 && (a >= 1e5 || a < 1e-3) ? v.toExponential(digits - 1) : v.toPrecision(digits);
}
