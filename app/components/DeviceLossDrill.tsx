import { useState } from 'react';
import { useGpuStore } from '../store.ts';

/** Loses the device on purpose, to check that the lab notices and recovers. */
export function DeviceLossDrill() {
  const simulate = useGpuStore((s) => s.simulateDeviceLoss);
  const [busy, setBusy] = useState(false);
  return (
    <div className="drill">
      <button
        type="button"
        className="button button-secondary"
        data-testid="simulate-device-loss"
        disabled={busy}
        onClick={() => {
          setBusy(true);
          void simulate().finally(() => setBusy(false));
        }}
      >
        Simulate device loss
      </button>
      <span className="muted">Destroys the GPU device to test recovery; you can reconnect right after.</span>
    </div>
  );
}
