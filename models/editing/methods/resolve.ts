// A method's knobs with every unset one filled from the settings table (its
// default for this model's depth) and every one checked against the table's
// range for this model (layers below nLayer). Method modules call this in
// their resolve().
import type { MethodName, MethodSpec } from '../../experiment.ts';
import { methodRows, settingError } from '../../settings-table.ts';

export function resolveSpec(name: MethodName, spec: MethodSpec, nLayer: number, editLayer?: number): MethodSpec {
  const out: Record<string, unknown> = { ...spec, name };
  for (const row of methodRows(name)) {
    const field = row.key.slice('method.'.length);
    const value = out[field] ?? row.default({ method: name, nLayer, editLayer });
    if (value === undefined) continue;
    const e = settingError(row, value, nLayer);
    if (e) throw new Error(`${row.key} ${e}${row.maxForModel ? ` (the model has ${nLayer} layers)` : ''}, got ${JSON.stringify(value)?.slice(0, 40)}`);
    out[field] = value;
  }
  return out as unknown as MethodSpec;
}
