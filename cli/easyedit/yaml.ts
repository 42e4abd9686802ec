// A YAML writer for flat hyper-parameter files: one `key: value` line per
// field, lists in flow style. Strings are written double-quoted with JSON
// escapes (valid YAML), and floats in exponent form always carry a dot and a
// signed exponent, because PyYAML (what EasyEdit reads its YAML with)
// otherwise reads "5e-4" as a string.
/** `{ float: x }` writes x with a decimal point even when whole (Python then reads a float). */
export type YamlValue = string | number | boolean | null | { float: number } | YamlValue[];

export function yamlScalar(v: YamlValue): string {
  if (v === null) return 'null';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(yamlScalar).join(', ')}]`;
  if (typeof v === 'object') {
    const s = yamlScalar(v.float);
    return /[.e]/.test(s) ? s : `${s}.0`;
  }
  if (!Number.isFinite(v)) throw new Error(`cannot write ${v} to YAML`);
  const s = String(v);
  if (!/e/i.test(s)) return s;
  const [m, e] = v.toExponential().split('e') as [string, string];
  return `${m.includes('.') ? m : `${m}.0`}e${e}`;
}

/** The file: an optional comment header, then the fields in the order given. */
export function yamlDocument(fields: Record<string, YamlValue>, comments: string[] = []): string {
  const head = comments.map((c) => `# ${c}`.trimEnd()).join('\n');
  const body = Object.entries(fields)
    .map(([k, v]) => `${k}: ${yamlScalar(v)}`)
    .join('\n');
  return (head ? head + '\n' : '') + body + '\n';
}
