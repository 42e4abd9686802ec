import { useEffect, useMemo, useState } from 'react';
import { sameSettings } from '../../workers/settings-compare.ts';
import { CUSTOM_TEXTS, defaultSettings, draftOf, EDIT_METHODS, evalSetOptions, parseDraft, type SettingsDraft } from '../settings.ts';
import { useLabSession } from '../store-lab.ts';
import { NumberField } from './NumberField.tsx';

/** Method, hyper-parameters, mode and evaluation. Edited as a draft; applied as a whole. */
export function SettingsPanel() {
  const settings = useLabSession((s) => s.settings);
  const model = useLabSession((s) => s.model);
  const edits = useLabSession((s) => s.steps.length);
  const busy = useLabSession((s) => s.op !== null);
  const apply = useLabSession((s) => s.applySettings);
  const setDirty = useLabSession((s) => s.setSettingsDirty);
  const nLayer = model?.nLayer ?? 12;
  const applied = useMemo(() => draftOf(settings, nLayer), [settings, nLayer]);
  const [draft, setDraft] = useState<SettingsDraft>(applied);
  useEffect(() => setDraft(applied), [applied]);

  const { settings: parsed, errors } = parseDraft(draft, nLayer, settings);
  const valid = Object.keys(errors).length === 0;
  const dirty = !sameSettings(draft, applied);
  useEffect(() => setDirty(dirty), [dirty, setDirty]);
  const modeChange = draft.mode !== applied.mode;
  const field = <K extends keyof SettingsDraft>(k: K) => (v: SettingsDraft[K]) => setDraft((d) => ({ ...d, [k]: v }));

  return (
    <section className="card panel" data-testid="settings-panel" aria-labelledby="settings-title">
      <h3 id="settings-title">Settings</h3>
      <div className="field-grid">
        <label className="field">
          <span className="field-label">Method</span>
          <select className="input" value={draft.method} onChange={(e) => field('method')(e.target.value as SettingsDraft['method'])} data-testid="setting-method">
            {EDIT_METHODS.map((m) => (
              <option key={m.id} value={m.id}>
                {m.label}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span className="field-label">Mode</span>
          <select className="input" value={draft.mode} onChange={(e) => field('mode')(e.target.value as SettingsDraft['mode'])} data-testid="setting-mode">
            <option value="sequential">Sequential (edits accumulate)</option>
            <option value="single">Single (each on the original model)</option>
          </select>
        </label>
        <NumberField
          label="Layer"
          value={model ? draft.layer : ''}
          onChange={field('layer')}
          error={model ? errors.layer : undefined}
          help={model ? `0–${nLayer - 1}; default ${model.defaultLayer}` : 'follows the model’s size'}
          disabled={!model}
          testId="setting-layer"
        />
        <NumberField label="v* steps" value={draft.steps} onChange={field('steps')} error={errors.steps} testId="setting-steps" />
        <NumberField label="v* learning rate" value={draft.lr} onChange={field('lr')} error={errors.lr} testId="setting-lr" />
        <NumberField label="Weight decay" value={draft.weightDecay} onChange={field('weightDecay')} error={errors.weightDecay} testId="setting-wd" />
        <NumberField label="Clamp norm factor" value={draft.clamp} onChange={field('clamp')} error={errors.clamp} testId="setting-clamp" />
        <NumberField label="KL factor" value={draft.kl} onChange={field('kl')} error={errors.kl} testId="setting-kl" />
        <NumberField label="Template seed" value={draft.seed} onChange={field('seed')} error={errors.seed} testId="setting-seed" />
        <NumberField label="Statistics tokens" value={draft.statsTokens} onChange={field('statsTokens')} error={errors.statsTokens} help="WikiText-2 tokens for the key covariance" testId="setting-stats-tokens" />
        <NumberField label="LAMBADA items" value={draft.lambada} onChange={field('lambada')} error={errors.lambada} help="accuracy after each edit (seeded subsample; 0 = off)" testId="setting-lambada" />
        <NumberField label="Collapse factor" value={draft.collapseFactor} onChange={field('collapseFactor')} error={errors.collapseFactor} help="× the unedited ME-PPL" testId="setting-collapse" />
        <label className="field">
          <span className="field-label">Evaluation set</span>
          <select className="input" value={draft.evalSet} onChange={(e) => field('evalSet')(e.target.value)} data-testid="setting-eval">
            {Array.isArray(settings.plan.texts) && <option value={CUSTOM_TEXTS}>The experiment’s own texts ({settings.plan.texts.length})</option>}
            {evalSetOptions().map((o) => (
              <option key={o.id} value={o.id}>
                {o.label}
              </option>
            ))}
          </select>
        </label>
      </div>
      <label className="check">
        <input type="checkbox" checked={draft.mom2} onChange={(e) => field('mom2')(e.target.checked)} data-testid="setting-mom2" /> mom2 adjustment (use the key covariance C)
      </label>
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
        <button type="button" className="button button-secondary small-button" onClick={() => setDraft(draftOf(defaultSettings(nLayer), nLayer))} title="ROME's defaults for this model size">
          Defaults
        </button>
      </div>
      {!model && <p className="muted small">Settings applied now are used when a model is loaded (the layer follows the model’s size).</p>}
    </section>
  );
}
