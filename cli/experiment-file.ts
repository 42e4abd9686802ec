// An experiment file as `lab run` and `lab sweep` read it: parsed and checked
// with the table's flags applied, and its model resolved (a local folder may
// be written relative to the file).
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { ExperimentError, parseExperiment, parseExperimentJson, type Experiment } from '../models/experiment.ts';
import { CliError } from './args.ts';
import { applyOverrides, type settingOverrides } from './setting-flags.ts';

export async function readExperimentFile(file: string, overrides: ReturnType<typeof settingOverrides>): Promise<{ exp: Experiment; model: string }> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new CliError(`cannot read ${file}`);
  }
  let exp: Experiment;
  try {
    exp = parseExperiment(applyOverrides(parseExperimentJson(text, file), overrides));
  } catch (e) {
    if (e instanceof ExperimentError) throw new CliError(e.message);
    throw e;
  }
  const local = resolve(dirname(file), exp.model);
  return { exp, model: existsSync(exp.model) || !existsSync(local) ? exp.model : local };
}
