import { useEffect, useMemo } from 'react';
import { searchCounterFact } from '../counterfact.ts';
import { useFacts } from '../store-facts.ts';

/** Search the bundled CounterFact subset and choose a record. */
export function CounterFactBrowser() {
  const records = useFacts((s) => s.records);
  const loadError = useFacts((s) => s.loadError);
  const load = useFacts((s) => s.loadRecords);
  const query = useFacts((s) => s.query);
  const setQuery = useFacts((s) => s.setQuery);
  const chosen = useFacts((s) => s.chosen);
  const choose = useFacts((s) => s.choose);

  useEffect(() => void load(), [load]);
  const hits = useMemo(() => (records ? searchCounterFact(records, query, 40) : []), [records, query]);

  if (loadError) return <p className="field-error">{loadError}</p>;
  if (!records) return <p className="muted">Reading CounterFact…</p>;
  return (
    <div className="cf-browser">
      <input
        type="search"
        className="input wide"
        placeholder="Search subjects, prompts, targets (e.g. Paris, plays, P19)…"
        value={query}
        onChange={(e) => setQuery(e.target.value)}
        aria-label="Search CounterFact"
        data-testid="cf-search"
      />
      <p className="muted small">
        {hits.length === 0 ? 'No record matches.' : `${hits.length === 40 ? 'First 40' : hits.length} of ${records.length} records`}
      </p>
      <ul className="cf-list" data-testid="cf-results">
        {hits.map((r) => {
          const selected = chosen === r.request;
          return (
            <li key={r.caseId}>
              <button type="button" className={`cf-item ${selected ? 'cf-item-selected' : ''}`} aria-pressed={selected} onClick={() => choose(r.request)} data-testid="cf-result" data-case={r.caseId}>
                <span>
                  {r.request.prompt.split('{}')[0]}
                  <mark>{r.request.subject}</mark>
                  {r.request.prompt.split('{}')[1]}
                </span>{' '}
                <span className="cf-targets">
                  <del>{r.request.target_true}</del> → <strong>{r.request.target_new}</strong>
                </span>
              </button>
            </li>
          );
        })}
      </ul>
    </div>
  );
}
