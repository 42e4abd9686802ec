/** A labelled text input for a number, with its inline error or help. */
export function NumberField({
  label,
  value,
  onChange,
  error,
  help,
  testId,
  disabled,
}: {
  label: string;
  value: string;
  onChange: (v: string) => void;
  error?: string | undefined;
  help?: string;
  testId: string;
  disabled?: boolean;
}) {
  return (
    <label className="field">
      <span className="field-label">{label}</span>
      <input
        className={`input ${error ? 'input-bad' : ''}`}
        inputMode="decimal"
        value={value}
        disabled={disabled}
        onChange={(e) => onChange(e.target.value)}
        aria-invalid={error ? true : undefined}
        data-testid={testId}
      />
      {error ? <span className="field-error">{error}</span> : help ? <span className="muted small">{help}</span> : null}
    </label>
  );
}
