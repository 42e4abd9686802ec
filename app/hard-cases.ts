// The collapse-prone facts `lab mine` found for a model (its hard_cases.json),
// read defensively: the file sits beside the weights and may be stale or hand-edited.

export interface HardCase {
  caseId: number;
  /** ME-PPL after one ROME edit over the model's baseline. */
  ratioRome: number;
  /** The same for C-ROME, on the same fact. */
  ratioCRome: number;
  subjectAtStart: boolean;
}

export interface HardCases {
  /** The collapse factor a ratio is judged against (the mining run's). */
  collapseFactor: number;
  byCase: Map<number, HardCase>;
}

const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
// JSON has no Infinity: a non-finite ratio (the update itself blew up) is written as null.
const ratio = (v: unknown): number => (finite(v) ? v : v === null ? Infinity : NaN);

export function parseHardCases(value: unknown): HardCases {
  const v = value as { version?: unknown; collapse_factor?: unknown; cases?: unknown } | null;
  if (!v || typeof v !== 'object' || v.version !== 1 || !Array.isArray(v.cases)) throw new Error('hard_cases.json: expected { "version": 1, "cases": [...] }');
  const byCase = new Map<number, HardCase>();
  for (const [i, c] of (v.cases as unknown[]).entries()) {
    const r = c as Record<string, unknown> | null;
    if (!r || !Number.isInteger(r.case_id)) throw new Error(`hard_cases.json: case ${i} has no integer case_id`);
    const ratioRome = ratio(r.ratio_rome);
    const ratioCRome = ratio(r.ratio_c_rome);
    if (Number.isNaN(ratioRome) || Number.isNaN(ratioCRome)) throw new Error(`hard_cases.json: case ${i} has no ratio_rome / ratio_c_rome`);
    byCase.set(r.case_id as number, { caseId: r.case_id as number, ratioRome, ratioCRome, subjectAtStart: r.subject_at_start === true });
  }
  return { collapseFactor: finite(v.collapse_factor) && v.collapse_factor > 1 ? v.collapse_factor : 10, byCase };
}

/** "×12.3" / "×∞" for a badge. */
export function formatRatio(r: number): string {
  return r === Infinity ? '×∞' : `×${r >= 100 ? r.toFixed(0) : r.toPrecision(3)}`;
}
