// `lab import <steps.jsonl...> [--out result.json]`: merge run.py's shards
// (or any lab results files) into one Result. Prints the Result JSON (or
// writes it to --out) and, on stderr, what is missing or does not agree.
import { readFile, writeFile } from 'node:fs/promises';
import { mergeResults, resultJson, ResultsError, stringifyResult } from '../models/results.ts';
import { CliError, stringFlag, type ParsedArgs } from './args.ts';

export const IMPORT_USAGE = `lab import <steps.jsonl...> [--out result.json]
      merges run.py shards (or lab sweep logs, lab run --json Results) into one Result`;

export async function importCommand(args: ParsedArgs): Promise<void> {
  if (!args.positionals.length) throw new CliError(`usage: ${IMPORT_USAGE}`);
  const files = await Promise.all(
    args.positionals.map(async (path) => {
      try {
        return { name: path, text: await readFile(path, 'utf8') };
      } catch {
        throw new CliError(`cannot read ${path}`);
      }
    }),
  );
  let merged;
  try {
    merged = mergeResults(files);
  } catch (e) {
    if (e instanceof ResultsError) throw new CliError(e.message);
    throw e;
  }
  for (const w of merged.warnings) process.stderr.write(`warning: ${w}\n`);
  const json = stringifyResult(resultJson(merged)) + '\n';
  const out = stringFlag(args, 'out');
  if (out) {
    await writeFile(out, json);
    process.stderr.write(`${merged.steps.length} steps from ${files.length} file${files.length === 1 ? '' : 's'} → ${out}\n`);
  } else process.stdout.write(json);
}
