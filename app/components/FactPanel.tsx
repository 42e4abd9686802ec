import { useEffect } from 'react';
import { applyBlockedReason } from '../apply-blocked.ts';
import { factText } from '../fact-validation.ts';
import { useChosenFact, useFacts } from '../store-facts.ts';
import { useLabSession, type PreviewState } from '../store-lab.ts';
import { CounterFactBrowser } from './CounterFactBrowser.tsx';
import { CustomFactForm } from './CustomFactForm.tsx';
import { FactPreviewCard } from './FactPreviewCard.tsx';

/** Choose a fact (CounterFact or your own), see the preview, apply it. */
export function FactPanel() {
  const tab = useFacts((s) => s.tab);
  const setTab = useFacts((s) => s.setTab);
  const { fact: chosen, draftErrors } = useChosenFact();
  const preview = useLabSession((s) => s.preview);
  const hasModel = useLabSession((s) => s.model !== null);
  const busy = useLabSession((s) => s.op !== null);
  const queued = useLabSession((s) => s.queue.length);
  const dirtySettings = useLabSession((s) => s.settingsDirty);
  const queueEdit = useLabSession((s) => s.queueEdit);
  const requestPreview = useLabSession((s) => s.requestPreview);

  // The preview follows the chosen fact (and the model it would be applied to);
  // a fact being typed is previewed once the typing pauses.
  useEffect(() => {
    if (tab !== 'custom' || !chosen) return requestPreview(chosen);
    const timer = setTimeout(() => requestPreview(chosen), 300);
    return () => clearTimeout(timer);
  }, [chosen, tab, hasModel, requestPreview]);

  const blocked = applyBlockedReason({
    hasModel,
    dirtySettings,
    fact: chosen !== null,
    tab,
    draftError: draftErrors ? (Object.values(draftErrors)[0] ?? null) : null,
    refused: preview && preview.request === chosen ? refusal(preview) : null,
    // A fact being typed is applied only once the model has checked that it fits (else a click
    // between a keystroke and the check would start an edit that the engine then refuses).
    checking: tab === 'custom' && chosen !== null && !(preview && preview.request === chosen && (preview.positions || preview.error || preview.result)),
    busy,
  });
  return (
    <section className="card panel" data-testid="fact-panel" aria-labelledby="fact-title">
      <h3 id="fact-title">Fact to edit</h3>
      <div className="subtabs" role="tablist">
        <button type="button" role="tab" aria-selected={tab === 'counterfact'} className={`subtab ${tab === 'counterfact' ? 'subtab-active' : ''}`} onClick={() => setTab('counterfact')} data-testid="facts-tab-counterfact">
          CounterFact (500)
        </button>
        <button type="button" role="tab" aria-selected={tab === 'custom'} className={`subtab ${tab === 'custom' ? 'subtab-active' : ''}`} onClick={() => setTab('custom')} data-testid="facts-tab-custom">
          Your own fact
        </button>
      </div>
      {tab === 'counterfact' ? <CounterFactBrowser /> : <CustomFactForm />}
      {chosen && (
        <div className="chosen" data-testid="chosen-fact">
          <span className="muted">Chosen: </span>
          <q>{factText(chosen)}</q> <strong>{chosen.target_new}</strong>
          {chosen.target_true && <span className="muted"> (was {chosen.target_true})</span>}
        </div>
      )}
      {chosen && <FactPreviewCard />}
      <div className="apply-row">
        <button type="button" className="button" data-testid="apply-edit" disabled={!chosen || blocked !== null} onClick={() => chosen && queueEdit(chosen)} aria-describedby={blocked ? 'apply-blocked' : undefined}>
          {busy || queued ? 'Queue edit' : 'Apply edit'}
        </button>
        {blocked && (
          <span className="muted small" id="apply-blocked" data-testid="apply-blocked">
            {blocked}
          </span>
        )}
        {!blocked && (busy || queued > 0) && <span className="muted small">Runs after the current operation{queued ? ` and ${queued} queued edit${queued === 1 ? '' : 's'}` : ''}.</span>}
      </div>
    </section>
  );
}

/** What makes the model refuse this fact: too few positions (known at once), or the preview's own refusal. */
function refusal(p: PreviewState): string | null {
  const fit = p.positions;
  if (fit && fit.needed > fit.available) {
    return `it needs ${fit.needed} token positions (the longest context template${fit.templatesKnown ? '' : ' ROME may generate'} + prompt + target) but the model has ${fit.available}; shorten the prompt, the subject or the target`;
  }
  return p.error?.kind === 'invalid-request' ? p.error.message : null;
}
