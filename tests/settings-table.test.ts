// The settings table drives the form, the Experiment parser (share URL, job
// files), the CLI's flags and docs/settings.md. Walk every row: a value
// round-trips through the URL and the CLI, and the form accepts exactly what
// the parser accepts.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { describe, expect, it } from 'vitest';
import { FORM_ROWS, defaultSettings, draftOf, parseDraft } from '../app/settings.ts';
import { decodeExperiment, encodeExperiment } from '../app/share-codec.ts';
import { applyOverrides, settingFlagOptions, settingOverrides } from '../cli/setting-flags.ts';
import { parseExperiment, type Experiment } from '../models/experiment.ts';
import { METHOD_NAMES, type MethodName } from '../models/method-names.ts';
import { settingsReference } from '../models/settings-doc.ts';
import { formatSetting, getSetting, GPT2_SIZES, parseSettingText, SETTINGS, settingError, withSetting, type SettingRow, type SettingValue } from '../models/settings-table.ts';

const base: Experiment = {
  version: 1,
  model: 'public/models/tiny-gpt2',
  method: { name: 'rome' },
  stats: { texts: 'wikitext2', max_tokens: 2000 },
  mode: 'sequential',
  edits: [{ prompt: '{} plays the sport of', subject: 'LeBron James', target_new: 'football' }],
  eval: { texts: 'me-ppl-50', collapse_factor: 10 },
};

/** A valid value of the row other than its usual default (so a dropped field shows). */
function sample(r: SettingRow): SettingValue {
  switch (r.type) {
    case 'int':
      return Math.min(r.max!, r.min! + 3);
    case 'float':
      return r.min! + (Math.min(r.max!, r.min! + 1) - r.min!) * 0.37;
    case 'bool':
      return !r.default({ method: 'rome', nLayer: 12 });
    case 'enum':
      return r.choices![r.choices!.length - 1]!;
    case 'int-list':
      return [r.min! + 1, r.min! + 3];
    case 'string':
      return 'https://example.org/editor';
  }
}

/** An experiment holding the sample value of `r`, with a method the row applies to. */
function withSample(r: SettingRow): { exp: Experiment; value: SettingValue } {
  const method = (r.methods?.[0] ?? 'rome') as MethodName;
  const value = sample(r);
  return { exp: withSetting({ ...base, method: { name: method } }, r.key, value), value };
}

describe('settings table', () => {
  it('is well formed: unique keys and flags, defaults inside their ranges for every method and GPT-2 size', () => {
    expect(new Set(SETTINGS.map((r) => r.key)).size).toBe(SETTINGS.length);
    expect(new Set(SETTINGS.map((r) => r.flag)).size).toBe(SETTINGS.length);
    for (const r of SETTINGS) {
      for (const method of r.methods ?? METHOD_NAMES) {
        for (const nLayer of [...GPT2_SIZES.map((s) => s.nLayer), 4]) {
          const d = r.default({ method, nLayer });
          if (d === undefined) continue;
          expect(settingError(r, d, nLayer), `${r.key} default for ${method} at ${nLayer} layers`).toBeNull();
        }
      }
    }
  });

  it('every row round-trips through the share URL', () => {
    for (const r of SETTINGS) {
      const { exp, value } = withSample(r);
      const back = decodeExperiment('#' + encodeExperiment(parseExperiment(exp)));
      expect(getSetting(back, r.key), r.key).toEqual(value);
    }
  });

  it('every row round-trips through the CLI flags, with the parser’s limits', () => {
    for (const r of SETTINGS) {
      const { value } = withSample(r);
      const start = { ...base, method: { name: (r.methods?.[0] ?? 'rome') as MethodName } };
      const { values } = parseArgs({ args: [`--${r.flag}`, formatSetting(r, value)], options: settingFlagOptions(), strict: true });
      const out = parseExperiment(applyOverrides(start, settingOverrides(values)));
      expect(getSetting(out, r.key), r.key).toEqual(value);
      if (r.max !== undefined && r.type !== 'int-list') {
        const over = r.max * 2 + 1;
        const { values: tooBig } = parseArgs({ args: [`--${r.flag}`, String(over)], options: settingFlagOptions(), strict: true });
        expect(() => settingOverrides(tooBig), r.key).toThrow(new RegExp(`--${r.flag}: between`));
        expect(() => parseExperiment(withSetting(start, r.key, over)), r.key).toThrow(/must be between/);
      }
    }
  });

  it('the form accepts exactly what the parser accepts, field by field', () => {
    const nLayer = 48;
    for (const method of METHOD_NAMES) {
      const settings = defaultSettings(nLayer, method);
      const draft = draftOf(settings, nLayer);
      // Every form field is a row the parser reads: a form-only field would not survive the share link.
      for (const key of Object.keys(draft)) expect(SETTINGS.some((r) => r.key === key), `form field ${key}`).toBe(true);
      for (const r of FORM_ROWS.filter((x) => !x.methods || x.methods.includes(method))) {
        const value = sample(r);
        const text = formatSetting(r, value);
        const { settings: parsed, errors } = parseDraft({ ...draft, [r.key]: text }, nLayer, settings);
        expect(errors, `${method} ${r.key}`).toEqual({});
        const exp = parseExperiment({ ...base, ...parsed });
        expect(getSetting(exp, r.key), `${method} ${r.key}`).toEqual(r.key.startsWith('eval.tasks.') && value === 0 ? undefined : value);
        if (r.max !== undefined && r.type !== 'int-list' && !r.maxForModel) {
          const over = String(r.max * 2 + 1);
          expect(parseDraft({ ...draft, [r.key]: over }, nLayer, settings).errors[r.key], `${r.key} above the range`).toMatch(/between/);
          expect(() => parseExperiment(withSetting({ ...base, ...parsed }, r.key, Number(over))), r.key).toThrow(/must be between/);
          expect(parseSettingText(r, String(r.max))).toEqual({ value: r.max });
        }
      }
    }
  });

  it('the form shows only table rows (no hand-written field the parser would not know)', () => {
    const panel = readFileSync('app/components/SettingsPanel.tsx', 'utf8');
    expect(panel.match(/<NumberField|<input|<select/g) ?? [], 'fields outside the table-driven SettingField').toEqual(['<input']); // the checkbox rows
  });

  it('docs/settings.md is generated from the table and up to date (npm run -s docs:settings)', () => {
    expect(readFileSync('docs/settings.md', 'utf8')).toBe(settingsReference());
  });
});
