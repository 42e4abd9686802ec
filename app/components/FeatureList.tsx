import type { GpuFeatures } from '../../models/gpu/device.ts';

/** Features the lab uses when present, and what they buy. */
const KEY_FEATURES: Array<{ name: string; enabled: (f: GpuFeatures) => boolean; why: string }> = [
  { name: 'shader-f16', enabled: (f) => f.shaderF16, why: 'half-precision math in shaders (f16 weights are unpacked otherwise)' },
  { name: 'timestamp-query', enabled: (f) => f.timestampQuery, why: 'precise per-kernel GPU timings' },
  { name: 'subgroups', enabled: (f) => f.subgroups, why: 'faster reductions (softmax, layer norm)' },
];

export function FeatureList({ adapterFeatures, enabled }: { adapterFeatures: string[]; enabled: GpuFeatures }) {
  return (
    <div className="card" data-testid="feature-list">
      <h3>Features</h3>
      <ul className="key-features">
        {KEY_FEATURES.map(({ name, enabled: isOn, why }) => {
          const present = isOn(enabled);
          return (
            <li key={name} data-testid={`feature-${name}`} data-present={String(present)}>
              <span className={`pill ${present ? 'pill-ok' : 'pill-off'}`}>{present ? 'present' : 'absent'}</span>
              <code>{name}</code>
              <span className="muted"> — {why}</span>
            </li>
          );
        })}
      </ul>
      <h4>All adapter features ({adapterFeatures.length})</h4>
      {adapterFeatures.length === 0 ? (
        <p className="muted">None beyond core WebGPU.</p>
      ) : (
        <ul className="chips" data-testid="adapter-features">
          {adapterFeatures.map((f) => (
            <li key={f} className="chip">
              {f}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
