// The settings table as command-line flags: `--<flag> <value>` for every row
// (e.g. `--v-steps 5 --layers 13,14 --collapse-factor 20`), parsed with the
// table's own parser, so the CLI's limits are the form's and the share URL's.
import type { ParseArgsOptionsConfig } from 'node:util';
import type { Experiment } from '../models/experiment.ts';
import { parseSettingText, SETTINGS, withSetting, type SettingRow, type SettingValue } from '../models/settings-table.ts';
import { CliError } from './args.ts';

/** node:util parseArgs options for every table row (all take a value). */
export function settingFlagOptions(): ParseArgsOptionsConfig {
  return Object.fromEntries(SETTINGS.map((r) => [r.flag, { type: 'string' as const }]));
}

/** The rows given on the command line, each value checked against its row. */
export function settingOverrides(values: Record<string, unknown>): Array<{ row: SettingRow; value: SettingValue }> {
  const out: Array<{ row: SettingRow; value: SettingValue }> = [];
  for (const row of SETTINGS) {
    const text = values[row.flag];
    if (text === undefined) continue;
    if (typeof text !== 'string') throw new CliError(`--${row.flag} needs a value`);
    const got = parseSettingText(row, text);
    if ('error' in got) throw new CliError(`--${row.flag}: ${got.error}`);
    out.push({ row, value: got.value });
  }
  return out;
}

/** The experiment with the overrides applied. */
export function applyOverrides(exp: Experiment, overrides: ReadonlyArray<{ row: SettingRow; value: SettingValue }>): Experiment {
  let out = exp;
  for (const { row, value } of overrides) {
    if (row.key.startsWith('stats.') && exp.stats && !('texts' in exp.stats)) throw new CliError(`--${row.flag}: the experiment's statistics are not a corpus (they are ${'ids' in exp.stats ? 'token ids' : 'an .npz file'})`);
    out = withSetting(out, row.key, value);
  }
  return out;
}

