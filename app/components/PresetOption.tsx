import type { Gpt2Preset } from '../../models/gpt2/presets.ts';
import { formatBytes } from '../format.ts';
import type { FitReport } from '../model-fit.ts';

/** One GPT-2 size from the hub, with what it costs and whether this device can run it. */
export function PresetOption({ preset, fit, checked, onSelect }: { preset: Gpt2Preset; fit: FitReport; checked: boolean; onSelect: () => void }) {
  const blocked = fit.blockers.length > 0;
  return (
    <label className={`choice ${blocked ? 'choice-blocked' : ''}`} data-testid={`preset-${preset.id}`} data-fits={String(!blocked)}>
      <input type="radio" name="model-source" checked={checked} onChange={onSelect} />
      <span>
        <strong>{preset.label}</strong>
        <span className="muted small">
          {' '}
          {preset.hfRepo} · download {formatBytes(fit.downloadBytes)} (f32) · needs ≈{formatBytes(fit.gpuBytes)} of GPU memory
        </span>
        {fit.blockers.map((b) => (
          <span key={b} className="fit fit-bad">
            Cannot run here: {b}.
          </span>
        ))}
        {fit.warnings.map((w) => (
          <span key={w} className="fit fit-warn">
            Caution: {w}.
          </span>
        ))}
      </span>
    </label>
  );
}
