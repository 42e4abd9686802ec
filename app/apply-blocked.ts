// Why "Apply edit" is disabled: the fact panel's one rule, pure logic.

/** Why "Apply edit" is disabled, or null when it is not: a disabled button always says why. */
export function applyBlockedReason(s: {
  hasModel: boolean;
  dirtySettings: boolean;
  fact: boolean;
  tab: 'counterfact' | 'custom';
  draftError: string | null;
  refused: string | null;
  checking?: boolean;
  busy?: boolean;
}): string | null {
  if (!s.hasModel) return 'Load a model first.';
  if (s.dirtySettings) return 'Apply or discard the settings changes first.';
  if (!s.fact) return s.tab === 'custom' ? `Fix the fact above first: ${s.draftError ?? 'it is incomplete'}` : 'Choose a fact first: search CounterFact above and click a record, or write your own.';
  if (s.refused) return `This fact cannot be edited on this model: ${s.refused}.`;
  if (s.checking) return s.busy ? 'Checking that this fact fits the model, once the running operation ends…' : 'Checking that this fact fits the model…';
  return null;
}
