import { validateFact, type FactDraft } from '../fact-validation.ts';
import { useFacts } from '../store-facts.ts';

const FIELDS: Array<{ key: keyof FactDraft; label: string; help: string }> = [
  { key: 'prompt', label: 'Prompt', help: 'With {} where the subject goes.' },
  { key: 'subject', label: 'Subject', help: 'Replaces {}.' },
  { key: 'targetNew', label: 'New target', help: 'What the model should say after the edit.' },
  { key: 'targetTrue', label: 'True target', help: 'Optional: what it says now (for the before/after probability).' },
];

/** Your own fact, checked as you type; while this tab is open, the next edit uses it (once it is valid). */
export function CustomFactForm() {
  const draft = useFacts((s) => s.draft);
  const setDraft = useFacts((s) => s.setDraft);
  const { errors } = validateFact(draft);
  return (
    <form className="fact-form" data-testid="custom-fact-form" onSubmit={(e) => e.preventDefault()}>
      {FIELDS.map((f) => (
        <label key={f.key} className="field">
          <span className="field-label">{f.label}</span>
          <input
            className={`input ${errors[f.key] ? 'input-bad' : ''}`}
            value={draft[f.key]}
            onChange={(e) => setDraft({ [f.key]: e.target.value })}
            aria-invalid={errors[f.key] ? true : undefined}
            data-testid={`fact-${f.key}`}
          />
          {errors[f.key] ? (
            <span className="field-error" data-testid={`fact-${f.key}-error`}>
              {errors[f.key]}
            </span>
          ) : (
            <span className="muted small">{f.help}</span>
          )}
        </label>
      ))}
    </form>
  );
}
