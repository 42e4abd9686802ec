// docs/settings.md, generated from the settings table (npm run -s docs:settings
// writes it; tests/settings-table.test.ts checks the committed file is current).
import { METHOD_LABELS } from './method-names.ts';
import { formatSetting, GPT2_SIZES, SETTINGS, type SettingRow } from './settings-table.ts';

/** The bundled demo model (public/models/tiny-gpt2). */
const DEMO_LAYERS = 4;

function cell(s: string): string {
  return s.replaceAll('|', '\\|');
}

function range(r: SettingRow): string {
  if (r.type === 'enum') return r.choices!.map((c) => `\`${c}\``).join(', ');
  if (r.type === 'bool') return 'true, false';
  if (r.type === 'string') return `text, ≤ ${r.maxLength ?? 2000} characters`;
  const hi = r.maxForModel ? 'layers − 1' : String(r.max);
  return `${r.type === 'int-list' ? 'ascending list, each ' : ''}${r.min}…${hi}${r.type === 'int' || r.type === 'int-list' ? ' (whole)' : ''}`;
}

/** The defaults of a row for each method it applies to, per GPT-2 size and a demo depth. */
function defaults(r: SettingRow): string {
  const methods = r.methods ?? [undefined];
  const parts = methods.map((m) => {
    const at = (nLayer: number) => formatSetting(r, r.default({ method: m ?? 'rome', nLayer })) || '—';
    const values = [...GPT2_SIZES.map((s) => at(s.nLayer)), at(DEMO_LAYERS)];
    const text = values.every((v) => v === values[0]) ? `\`${values[0]}\`` : `${GPT2_SIZES.map((s, i) => `${s.label.replace('GPT-2 ', '')} \`${values[i]}\``).join(', ')}, ${DEMO_LAYERS}-layer demo \`${values[4]}\``;
    return m && methods.length > 1 ? `${METHOD_LABELS[m]}: ${text}` : text;
  });
  const unique = [...new Set(parts.map((p) => p.replace(/^[^:]+: /, '')))];
  return unique.length === 1 ? unique[0]! : parts.join('; ');
}

export function settingsReference(): string {
  const lines = [
    '# Settings reference',
    '',
    '<!-- Generated from models/settings-table.ts by `npm run -s docs:settings`; do not edit by hand. -->',
    '',
    'Every setting an Experiment carries (shared/spec/experiment.md), with its default per GPT-2 size, range and meaning.',
    'The same table drives the settings form, the share-URL and job-file parser, and the `lab sweep` flags',
    '(`--<flag> <value>`; lists as `13,14,15`). A method knob unset in an Experiment takes the method’s default for the model’s depth',
    `(GPT-2 small/medium/large/XL: ${GPT2_SIZES.map((s) => s.nLayer).join('/')} layers; other depths as each row says).`,
    '',
    '| Key | Flag | Label | Type | Default | Range | Unit | Methods | Meaning |',
    '|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of SETTINGS) {
    const meaning = r.help + (r.defaultNote ? `. Defaults: ${r.defaultNote}` : '');
    lines.push(
      `| \`${r.key}\` | \`--${r.flag}\` | ${cell(r.label)} | ${r.type} | ${cell(defaults(r))} | ${cell(range(r))} | ${r.unit ?? ''} | ${r.methods ? r.methods.join(', ') : 'all'} | ${cell(meaning)} |`,
    );
  }
  lines.push(
    '',
    'Not single values, so not in the table: `method.context_templates` (a list starting with `"{}"`; when given, used verbatim),',
    '`stats.ids` / `stats.npz` (token ids, or ROME’s published statistics, instead of a corpus), literal `eval.texts` (a list of strings), and the edits.',
    '',
  );
  return lines.join('\n');
}
