import { useEffect, useMemo } from 'react';
import { searchCounterFact } from '../counterfact.ts';
import { formatRatio } from '../hard-cases.ts';
import { DEMO_MODEL_URL } from '../model-location.ts';
import { useFacts } from '../store-facts.ts';
import { useLabSession } from '../store-lab.ts';

/** Search the bundled CounterFact subset and choose a record. */
export function CounterFactBrowser() {
  const records = useFacts((s) => s.records);
  const loadError = useFacts((s) => s.loadError);
  const load = useFacts((s) => s.loadRecords);
  const query = useFacts((s) => s.query);
  const setQuery = useFacts((s) => s.setQuery);
  const chosen = useFacts((s) => s.chosen);
  const choose = useFacts((s) => s.choose);

  const location = useLabSession((s) => s.location);
  const hardCases = useFacts((s) => s.hardCases);
  const onlyHard = useFacts((s) => s.onlyHard);
  const setOnlyHard = useFacts((s) => s.setOnlyHard);
  const loadHardCases = useFacts((s) => s.loadHardCases);

  useEffect(() => void load(), [load]);
  // The demo model ships the facts `lab mine` found collapse-prone for it (other models have none to fetch).
  const hardUrl = location?.kind === 'url' && location.url === DEMO_MODEL_URL ? `${import.meta.env.BASE_URL}${location.url}hard_cases.json` : null;
  useEffect(() => void loadHardCases(hardUrl), [loadHardCases, hardUrl]);
  const hits = useMemo(() => {
    if (!records) return [];
    if (!(onlyHard && hardCases)) return searchCounterFact(records, query, 40);
    const mined = records.filter((r) => hardCases.byCase.has(r.caseId));
    // Worst first: the largest ME-PPL rise after one ROME edit.
    return searchCounterFact(mined, query, 40).sort((a, b) => hardCases.byCase.get(b.caseId)!.ratioRome - hardCases.byCase.get(a.caseId)!.ratioRome);
  }, [records, query, onlyHard, hardCases]);

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
      {hardCases && hardCases.byCase.size > 0 ? (
        <label className="small" title="Facts `lab mine` ranked by how far one ROME edit raises this model's ME-PPL">
          <input type="checkbox" checked={onlyHard} onChange={(e) => setOnlyHard(e.target.checked)} data-testid="cf-only-hard" /> Collapse-prone only ({hardCases.byCase.size} mined for this model)
        </label>
      ) : null}
      <p className="muted small">
        {hits.length === 0 ? 'No record matches.' : `${hits.length === 40 ? 'First 40' : hits.length} of ${records.length} records`}
      </p>
      <ul className="cf-list" data-testid="cf-results">
        {hits.map((r) => {
          const selected = chosen === r.request;
          const hard = hardCases?.byCase.get(r.caseId);
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
                {hard ? (
                  <span
                    className={`cf-hard ${hard.ratioRome >= (hardCases?.collapseFactor ?? 10) ? 'cf-hard-collapse' : ''}`}
                    title={`One ROME edit multiplied ME-PPL by ${formatRatio(hard.ratioRome).slice(1)}; C-ROME by ${formatRatio(hard.ratioCRome).slice(1)} (measured by lab mine)`}
                    data-testid="cf-hard-badge"
                  >
                    ROME {formatRatio(hard.ratioRome)} · C-ROME {formatRatio(hard.ratioCRome)}
                  </span>
                ) : null}
              </button>
            </li>
          );
        })}
      </ul>
    </div>
  );
}
