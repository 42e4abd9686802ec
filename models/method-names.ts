// The editing methods an Experiment may name (shared/spec/experiment.md).
// Which of them the engine implements is the registry's business
// (models/editing/methods/registry.ts).
export type MethodName = 'rome' | 'c-rome' | 'memit' | 'ft-l' | 'alphaedit' | 'mend';
export const METHOD_NAMES: readonly MethodName[] = ['rome', 'c-rome', 'memit', 'ft-l', 'alphaedit', 'mend'];
export const METHOD_LABELS: Record<MethodName, string> = {
  rome: 'ROME',
  'c-rome': 'C-ROME (consistent keys)',
  memit: 'MEMIT',
  'ft-l': 'FT-L∞',
  alphaedit: 'AlphaEdit',
  mend: 'MEND',
};
