import type { MethodName } from '../../models/method-names.ts';
import type { SettingRow } from '../../models/settings-table.ts';
import { CUSTOM_TEXTS, EDIT_METHODS, evalSetOptions } from '../settings.ts';
import { NumberField } from './NumberField.tsx';

/** One row of the settings table as a form field: a select for choices, a text input otherwise. */
export function SettingField({
  row,
  value,
  onChange,
  error,
  nLayer,
  customTexts,
  implemented,
}: {
  row: SettingRow;
  value: string;
  onChange: (v: string) => void;
  error: string | undefined;
  /** The loaded model's depth; null before a model (layers follow its size). */
  nLayer: number | null;
  /** Evaluation set: how many literal texts the experiment carries, if any. */
  customTexts: number | null;
  /** Methods the engine implements (from the loaded model's summary); null before a model. */
  implemented: readonly MethodName[] | null;
}) {
  const testId = `setting-${row.flag}`;
  if (row.type === 'enum') {
    const options =
      row.key === 'method.name'
        ? EDIT_METHODS.map((m) => ({ id: m.id, label: implemented && !implemented.includes(m.id) ? `${m.label} (not implemented yet)` : m.label, disabled: !!implemented && !implemented.includes(m.id) }))
        : row.key === 'eval.texts'
          ? [...(customTexts !== null ? [{ id: CUSTOM_TEXTS, label: `The experiment’s own texts (${customTexts})`, disabled: false }] : []), ...evalSetOptions().map((o) => ({ ...o, disabled: false }))]
          : row.choices!.map((c) => ({ id: c, label: c, disabled: false }));
    return (
      <label className="field">
        <span className="field-label">{row.label}</span>
        <select className="input" value={value} onChange={(e) => onChange(e.target.value)} data-testid={testId} title={row.help}>
          {options.map((o) => (
            <option key={o.id} value={o.id} disabled={o.disabled}>
              {o.label}
            </option>
          ))}
        </select>
      </label>
    );
  }
  const modelBound = row.maxForModel !== undefined;
  const range = row.min !== undefined ? `${row.min}–${modelBound && nLayer !== null ? row.maxForModel!(nLayer) : row.max}` : '';
  const help = modelBound && nLayer === null ? 'follows the model’s size' : [range, row.unit, row.help].filter(Boolean).join(' · ');
  return (
    <NumberField
      label={row.label}
      value={modelBound && nLayer === null ? '' : value}
      onChange={onChange}
      error={modelBound && nLayer === null ? undefined : error}
      help={help}
      disabled={modelBound && nLayer === null}
      testId={testId}
    />
  );
}
