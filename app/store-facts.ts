// The fact panel's state: the bundled CounterFact subset (fetched once), the
// search, the custom-fact draft, and which fact is chosen for the next edit.
import { useMemo } from 'react';
import { create } from 'zustand';
import type { EditRequest } from '../models/experiment.ts';
import { parseCounterFact, type CounterFactRecord } from './counterfact.ts';
import { validateFact, type FactDraft, type FactErrors } from './fact-validation.ts';
import { parseHardCases, type HardCases } from './hard-cases.ts';

const COUNTERFACT_PATH = 'data/counterfact/counterfact_500.json';

export interface FactState {
  records: CounterFactRecord[] | null;
  loadError: string | null;
  query: string;
  tab: 'counterfact' | 'custom';
  draft: FactDraft;
  /** The CounterFact record chosen in the browser (the custom tab uses its own draft: see useChosenFact). */
  chosen: EditRequest | null;
  /** The loaded model's mined collapse-prone facts (its hard_cases.json), if it ships them. */
  hardCases: HardCases | null;
  hardCasesUrl: string | null;
  onlyHard: boolean;
  loadRecords(): Promise<void>;
  /** Reads <model folder>/hard_cases.json; a model without one simply has none. */
  loadHardCases(url: string | null): Promise<void>;
  setOnlyHard(on: boolean): void;
  setQuery(q: string): void;
  setTab(tab: 'counterfact' | 'custom'): void;
  setDraft(d: Partial<FactDraft>): void;
  choose(request: EditRequest | null): void;
}

let loading: Promise<void> | null = null;

/** The custom form's example, ready to apply. */
const EXAMPLE_DRAFT: FactDraft = { prompt: '{} plays the sport of', subject: 'LeBron James', targetNew: 'football', targetTrue: 'basketball' };

/** A draft change; the example's true target goes once the subject changes (it was LeBron's, not the new subject's). */
export function nextDraft(draft: FactDraft, d: Partial<FactDraft>): FactDraft {
  const next = { ...draft, ...d };
  if (d.subject !== undefined && d.targetTrue === undefined && draft.targetTrue === EXAMPLE_DRAFT.targetTrue && next.subject !== EXAMPLE_DRAFT.subject) next.targetTrue = '';
  return next;
}

export const useFacts = create<FactState>()((set, get) => ({
  records: null,
  loadError: null,
  query: '',
  tab: 'counterfact',
  draft: EXAMPLE_DRAFT,
  chosen: null,
  hardCases: null,
  hardCasesUrl: null,
  onlyHard: false,

  async loadHardCases(url) {
    if (url === get().hardCasesUrl) return;
    set({ hardCasesUrl: url, hardCases: null, onlyHard: false });
    if (!url) return;
    try {
      const res = await fetch(url);
      if (!res.ok) return; // no mined list for this model
      const parsed = parseHardCases(await res.json());
      if (get().hardCasesUrl === url) set({ hardCases: parsed });
    } catch (e) {
      console.warn(`Ignoring ${url}: ${e instanceof Error ? e.message : String(e)}`);
    }
  },
  setOnlyHard: (onlyHard) => set({ onlyHard }),

  loadRecords() {
    loading ??= (async () => {
      try {
        const res = await fetch(`${import.meta.env.BASE_URL}${COUNTERFACT_PATH}`);
        if (!res.ok) throw new Error(`HTTP ${res.status}`);
        set({ records: parseCounterFact(await res.json()), loadError: null });
      } catch (e) {
        loading = null;
        set({ loadError: `Could not read the CounterFact subset (${e instanceof Error ? e.message : String(e)}).` });
      }
    })();
    return loading;
  },
  setQuery: (query) => set({ query }),
  setTab: (tab) => set({ tab }),
  setDraft: (d) => set((s) => ({ draft: nextDraft(s.draft, d) })),
  choose: (chosen) => set({ chosen }),
}));

/**
 * The fact the next "Apply edit" uses: on the CounterFact tab the chosen
 * record, on the custom tab the draft when it is valid and nothing when it is
 * not (never a fact the user is not looking at).
 */
export function useChosenFact(): { fact: EditRequest | null; draftErrors: FactErrors | null } {
  const tab = useFacts((s) => s.tab);
  const record = useFacts((s) => s.chosen);
  const draft = useFacts((s) => s.draft);
  return useMemo(() => {
    if (tab === 'counterfact') return { fact: record, draftErrors: null };
    const { request, errors } = validateFact(draft);
    return { fact: request, draftErrors: request ? null : errors };
  }, [tab, record, draft]);
}
