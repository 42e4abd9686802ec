// The downstream tasks' names, without their data or scorers (those are in
// tasks.ts): what the settings table and the page need to know about each.
export const TASK_INFO = {
  lambada: { label: 'LAMBADA', metric: 'acc' },
  piqa: { label: 'PIQA', metric: 'acc' },
  hellaswag: { label: 'HellaSwag', metric: 'acc' },
  mmlu: { label: 'MMLU', metric: 'acc' },
  nq: { label: 'NQ-open', metric: 'em' },
  squad: { label: 'SQuAD 2.0', metric: 'em' },
} as const satisfies Record<string, { label: string; metric: 'acc' | 'em' }>;
