// The Experiment as the export reads it: the parser's clean copy, plus the
// method fields of MEMIT, FT-L, AlphaEdit and MEND (methods.md), read here
// loosely (optional, type-checked) so the export works whether or not the
// shared parser knows them yet.
import { ExperimentError, METHOD_NAMES, parseExperiment, type Experiment, type MethodSpec } from '../../models/experiment.ts';

export const EXPORT_METHODS = ['rome', 'c-rome', 'memit', 'ft-l', 'alphaedit', 'mend'] as const;
export type ExportMethodName = (typeof EXPORT_METHODS)[number];

export interface ExportMethod extends Omit<MethodSpec, 'name'> {
  name: ExportMethodName;
  layers?: number[];
  mom2_update_weight?: number;
  nullspace_threshold?: number;
  L2?: number;
  batch_size?: number;
  lr?: number;
  num_steps?: number;
  norm_constraint?: number;
  editor?: string;
  edit_lr?: number;
}

export interface ExportExperiment extends Omit<Experiment, 'method'> {
  method: ExportMethod;
}

const fail = (msg: string): never => {
  throw new ExperimentError(`experiment: ${msg}`);
};

function optNum(m: Record<string, unknown>, k: string, lo: number, hi: number, integer = false): number | undefined {
  const v = m[k];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < lo || v > hi || (integer && !Number.isInteger(v))) {
    return fail(`method.${k} must be ${integer ? 'a whole number' : 'a number'} between ${lo} and ${hi}`);
  }
  return v;
}

export function readExportExperiment(value: unknown): ExportExperiment {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return fail('the experiment must be an object');
  const raw = value as Record<string, unknown>;
  const m = raw.method;
  if (!m || typeof m !== 'object' || Array.isArray(m)) return fail('method must be an object');
  const rawMethod = m as Record<string, unknown>;
  const name = rawMethod.name;
  if (typeof name !== 'string' || !(EXPORT_METHODS as readonly string[]).includes(name)) {
    return fail(`method.name ${JSON.stringify(name)?.slice(0, 40)} is not one of ${EXPORT_METHODS.join(', ')}`);
  }
  // The shared parser checks everything else; a method it does not know yet is checked as ROME's fields.
  const known = (METHOD_NAMES as readonly string[]).includes(name);
  const parsed = parseExperiment(known ? raw : { ...raw, method: { ...rawMethod, name: 'rome' } });
  const method: ExportMethod = { ...(parsed.method as Omit<MethodSpec, 'name'>), name: name as ExportMethodName };
  if (rawMethod.layers !== undefined) {
    const l = rawMethod.layers;
    if (!Array.isArray(l) || l.length === 0 || l.length > 256 || !l.every((x) => Number.isInteger(x) && x >= 0 && x < 1024)) return fail('method.layers must be a non-empty list of layer numbers');
    for (let i = 1; i < l.length; i++) if ((l[i] as number) <= (l[i - 1] as number)) fail('method.layers must be ascending');
    method.layers = [...(l as number[])];
  }
  const nums: [keyof ExportMethod, number, number, boolean][] = [
    ['mom2_update_weight', 0, 1e12, false],
    ['nullspace_threshold', 0, 1e6, false],
    ['L2', 0, 1e12, false],
    ['batch_size', 1, 100_000, true],
    ['lr', 0, 1e3, false],
    ['num_steps', 1, 100_000, true],
    ['norm_constraint', 0, 1e6, false],
    ['edit_lr', 0, 1e6, false],
  ];
  for (const [k, lo, hi, int] of nums) {
    const v = optNum(rawMethod, k, lo, hi, int);
    if (v !== undefined) (method as unknown as Record<string, unknown>)[k] = v;
  }
  if (rawMethod.editor !== undefined) {
    if (typeof rawMethod.editor !== 'string' || rawMethod.editor.length > 2000) fail('method.editor must be a URL or a path');
    method.editor = rawMethod.editor as string;
  }
  return { ...parsed, method };
}
