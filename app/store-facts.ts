// The fact panel's state: the bundled CounterFact subset (fetched once), the
// search, the custom-fact draft, and which fact is chosen for the next edit.
import { create } from 'zustand';
import type { EditRequest } from '../models/experiment.ts';
import { parseCounterFact, type CounterFactRecord } from './counterfact.ts';
import type { FactDraft } from './fact-validation.ts';

const COUNTERFACT_PATH = 'data/counterfact/counterfact_500.json';

export interface FactState {
  records: CounterFactRecord[] | null;
  loadError: string | null;
  query: string;
  tab: 'counterfact' | 'custom';
  draft: FactDraft;
  /** The fact the next "Apply edit" uses. */
  chosen: EditRequest | null;
  loadRecords(): Promise<void>;
  setQuery(q: string): void;
  setTab(tab: 'counterfact' | 'custom'): void;
  setDraft(d: Partial<FactDraft>): void;
  choose(request: EditRequest | null): void;
}

let loading: Promise<void> | null = null;

export const useFacts = create<FactState>()((set) => ({
  records: null,
  loadError: null,
  query: '',
  tab: 'counterfact',
  draft: { prompt: '{} plays the sport of', subject: 'LeBron James', targetNew: 'football', targetTrue: 'basketball' },
  chosen: null,

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
  setDraft: (d) => set((s) => ({ draft: { ...s.draft, ...d } })),
  choose: (chosen) => set({ chosen }),
}));
