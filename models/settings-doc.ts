// docs/settings.md, generated from the settings table (npm run -s docs:settings
// writes it; tests/settings-table.test.ts checks the committed file is current).
import { METHOD_LABELS } from './method-names.ts';
import { formatSetting, GPT2_SIZES, SETTINGS, type SettingRow } from './settings-table.ts';

/** The bundled demo model (public/models/demo-gpt2: 6 layers, its config names edit layer 0; tests/demo-model.test.ts checks these). */
export const DEMO_LAYERS = 6;
export const DEMO_EDIT_LAYER = 0;

/**
 * What AlphaEdit's projector costs at GPT-2 XL (f = 6400). Memory and
 * multiply-add counts are computed from the shapes. Times were measured with
 * bench/alphaedit-projector.ts at f = 256, 512 and 1024, then extrapolated by f³.
 */
const ALPHAEDIT_COST = [
  '## What AlphaEdit’s null-space projector costs at GPT-2 XL',
  '',
  'AlphaEdit needs, per edited layer, P = U₀U₀ᵀ from the float64 eigendecomposition of that layer’s C (a float32 decomposition misses the goldens’ 1e-3: C’s spectrum is dense).',
  'The lab keeps P in factored form (U₀, r × f), never as the f × f matrix. At XL, f = 6400 and the default layers are 13–17. r is the number of eigenvalues below the threshold. The table takes r = f/2, about the share the fixture’s threshold cuts (135 and 147 of 256).',
  '',
  '| | XL, per edited layer (×5 for the default layers) | how we know |',
  '|---|---|---|',
  '| C (float64) | 6400² · 8 B = 313 MiB | computed |',
  '| eigendecomposition, once per model, layer and statistics | working set C + eigenvectors 625 MiB; ≈ 5.7 f³ ≈ 1.5·10¹² multiply-adds (Householder + QL) | computed |',
  '| U₀ kept (r = f/2) | 156 MiB; a dense P would be 313 MiB | computed |',
  '| Kp, kept as the N keys edited so far | N · 50 KiB (100 keys: 4.9 MiB); as an f × f sum it would be 313 MiB | computed |',
  '| per edit while N ≤ f/2 (Woodbury on the N keys, what the lab does) | N × f numbers, e.g. 2 × 4.9 MiB at N = 100; N·(2rf + Nf) + N³ ≈ 4.1·10⁹ multiply-adds at N = 100 | computed |',
  '| per edit when N > f/2 (the dense f × f system) | S 313 MiB + P·S 313 MiB + U₀S 156 MiB; P·S = 4·r·f² ≈ 5.2·10¹¹ and LU ⅔f³ ≈ 1.7·10¹¹ multiply-adds | computed |',
  '| eigendecomposition time | ≈ 10 600 s at 6400, one CPU core | measured: 3.0 s, 17 s and 43 s at f = 256, 512 and 1024, then × (6400/1024)³ |',
  '| P·S time per edit and layer | ≈ 9 000 s | measured: 1.0 s, 9.8 s and 37 s at 256, 512 and 1024, extrapolated the same way |',
  '| LU time per edit and layer | ≈ 1 300 s | measured: 5.4 s at 1024, extrapolated |',
  '| Woodbury time per edit and layer, at XL’s own shape | 31 s with N = 10 keys, 178 s with N = 100 | measured (bench/alphaedit-projector.ts --woodbury-only, f = 6400, r = 3200) |',
  '',
  'The times were measured on a shared 2-core machine under heavy load (load average ≈ 24), so one core was worth well under its full speed. Read them as upper bounds; an idle core should be several times faster.',
  'The decomposition runs once per model, layer and statistics, with progress, and can be cancelled. Its result is cached, and every other threshold is a cheap cut of it.',
  'Per edit, the lab keeps Kp as its keys. While they number at most f/2 (3200 edited facts at XL), it solves by the Woodbury identity on an N × N system and never forms an f × f matrix. On the same loaded machine that is 60–300 times faster than the dense P·S and LU, which take hours per edit at XL. Past f/2 keys the dense system is the cheaper one, and the lab switches to it. MEMIT’s per-edit solve is one Cholesky per layer, ⅓f³ ≈ 8.7·10¹⁰ multiply-adds.',
  'Memory at XL with the five default layers, all on the CPU in float64: 0.76 GiB for U₀ (5 × 156 MiB) and 5 × N × 50 KiB for Kp. The dense path past f/2 keys adds 0.8 GiB of transients per layer while it runs.',
  '',
];

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
    const at = (nLayer: number, editLayer?: number) => formatSetting(r, r.default({ method: m ?? 'rome', nLayer, editLayer })) || '—';
    const values = [...GPT2_SIZES.map((s) => at(s.nLayer)), at(DEMO_LAYERS, DEMO_EDIT_LAYER)];
    const text = values.every((v) => v === values[0]) ? `\`${values[0]}\`` : `${GPT2_SIZES.map((s, i) => `${s.label.replace('GPT-2 ', '')} \`${values[i]}\``).join(', ')}, demo model \`${values[4]}\``;
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
    '`stats.ids` / `stats.npz` (token ids, or ROME’s published statistics, instead of a corpus; one .npz is one layer, so a multi-layer method writes `{layer}` in the path), literal `eval.texts` (a list of strings), and the edits.',
    '',
    ...ALPHAEDIT_COST,
  );
  return lines.join('\n');
}
