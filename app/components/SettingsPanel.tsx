import { useEffect, useMemo, useState } from 'react';
import { sameSettings } from '../../models/util/same-settings.ts';
import type { MethodName } from '../../models/method-names.ts';
import { defaultSettings, draftOf, parseDraft, switchMethod, visibleRows, type SettingsDraft } from '../settings.ts';
import { useLabSession } from '../store-lab.ts';
import { SettingField } from './SettingField.tsx';

/** Method, hyper-parameters, mode and evaluation. Edited as a draft; applied as a whole. */
export function SettingsPanel() {
  const settings = useLabSession((s) => s.settings);
  const model = useLabSession((s) => s.model);
  const edits = useLabSession((s) => s.steps.length);
  const busy = useLabSession((s) => s.op !== null);
  const apply = useLabSession((s) => s.applySettings);
  const setDirty = useLabSession((s) => s.setSettingsDirty);
  const nLayer = model?.nLayer ?? 12;
  // The model's default layer: its folder's traced edit layer where it names one.
  const editLayer = model?.defaultLayer;
  const applied = useMemo(() => draftOf(settings, nLayer, editLayer), [settings, nLayer, editLayer]);
  const [draft, setDraft] = useState<SettingsDraft>(applied);
  useEffect(() => setDraft(applied), [applied]);

  const { settings: parsed, errors } = parseDraft(draft, nLayer, settings);
  const valid = Object.keys(errors).length === 0;
  const dirty = !sameSettings(draft, applied);
  useEffect(() => setDirty(dirty), [dirty, setDirty]);
  const modeChange = draft['mode'] !== applied['mode'];
  const field = (k: string) => (v: string) =>
    // Another method starts from its own defaults for this size.
    setDraft((d) => (k === 'method.name' ? switchMethod(d, v as MethodName, nLayer, editLayer) : { ...d, [k]: v }));
  const rows = visibleRows(draft);

  return (
    <section className="card panel" data-testid="settings-panel" aria-labelledby="settings-title">
      <h3 id="settings-title">Settings</h3>
      <div className="field-grid">
        {rows.filter((r) => r.type !== 'bool').map((r) => (
          <SettingField
            key={r.key}
            row={r}
            value={draft[r.key] ?? ''}
            onChange={field(r.key)}
            error={errors[r.key]}
            nLayer={model ? nLayer : null}
            customTexts={r.key === 'eval.texts' && Array.isArray(settings.eval.texts) ? settings.eval.texts.length : null}
            implemented={model?.methods ?? null}
          />
        ))}
      </div>
      {rows
        .filter((r) => r.type === 'bool')
        .map((r) => (
          <label className="check" key={r.key}>
            <input type="checkbox" checked={draft[r.key] === 'true'} onChange={(e) => field(r.key)(String(e.target.checked))} data-testid={`setting-${r.flag}`} /> {r.label}: {r.help}
          </label>
        ))}
      {dirty && edits > 0 && (
        <p className="notice notice-warn small" data-testid="settings-rerun-warning">
          {modeChange ? 'Changing the mode' : 'New settings'} re-run the whole sequence ({edits} edit{edits === 1 ? '' : 's'}) so the curve and the share link stay one experiment.
        </p>
      )}
      <div className="row">
        <button type="button" className="button small-button" disabled={!dirty || !valid || busy} onClick={() => void apply(parsed)} data-testid="apply-settings">
          {edits > 0 && dirty ? `Apply and re-run ${edits} edit${edits === 1 ? '' : 's'}` : 'Apply settings'}
        </button>
        <button type="button" className="button button-secondary small-button" disabled={!dirty} onClick={() => setDraft(applied)}>
          Discard
        </button>
        <button type="button" className="button button-secondary small-button" onClick={() => setDraft(draftOf(defaultSettings(nLayer, draft['method.name'] as MethodName, editLayer), nLayer, editLayer))} title="The method's defaults for this model size">
          Defaults
        </button>
      </div>
      {!model && <p className="muted small">Settings applied now are used when a model is loaded (the layer follows the model’s size).</p>}
    </section>
  );
}

