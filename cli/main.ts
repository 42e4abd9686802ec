// The Butterfly Lab command line: the same engine as the browser, on Dawn.
//   npm run -s lab -- score --model <id|dir> --texts <file> [--json]
// Bad input: one line on stderr and a non-zero exit status; nothing half-written.
import { CliError, parseArgs } from './args.ts';
import { EXPORT_USAGE, exportCommand } from './export-easyedit.ts';
import { IMPORT_USAGE, importCommand } from './import-results.ts';
import { runCommand } from './run.ts';
import { scoreCommand } from './score.ts';
import { SWEEP_USAGE, sweepCommand } from './sweep.ts';
import { TRACE_USAGE, traceCommand } from './trace.ts';
import { MINE_USAGE, mineCommand } from './mine.ts';
import { SETTINGS } from '../models/settings-table.ts';

const USAGE = `usage:
  lab score --model <hf-id|dir> --texts <file.json> [--json]
      file: a JSON array of strings, ME-PPL records [{"Text": ...}], or {"ids": [[...]]}
  lab run <experiment.json> [--json] [--dump] [--save <dir>] [--counters] [--<setting> <value> ...]
      replays an Experiment (shared/spec/experiment.md) and prints its Result;
      any settings-table flag overrides the file, e.g. --method memit --batch-size 4 (docs/settings.md)
  ${SWEEP_USAGE}
  ${TRACE_USAGE}
  ${MINE_USAGE}
  ${EXPORT_USAGE}
  ${IMPORT_USAGE}`;

const COMMANDS: Record<string, (argv: string[]) => Promise<void>> = {
  score: (argv) => scoreCommand(parseArgs(argv, { values: ['model', 'texts'], switches: ['json'] })),
  // every settings-table row is a flag of `run` too (its usage above promises it)
  run: (argv) => runCommand(parseArgs(argv, { values: ['save', ...SETTINGS.map((r) => r.flag)], switches: ['json', 'dump', 'counters'] })),
  sweep: sweepCommand,
  trace: (argv) => traceCommand(parseArgs(argv, { values: ['model', 'facts', 'cases', 'samples', 'seed', 'out'], switches: ['json'] })),
  mine: (argv) => mineCommand(parseArgs(argv, { values: ['model', 'cases', 'candidates', 'layer', 'stats', 'out'], switches: ['json', 'include-unknown', 'first-token-only'] })),
  export: (argv) => exportCommand(parseArgs(argv, { values: ['arch', 'counterfact', 'n-layer', 'out', 'shards'] })),
  import: (argv) => importCommand(parseArgs(argv, { values: ['out'] })),
};

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === 'help') {
    process.stdout.write(USAGE + '\n');
    return command ? 0 : 2;
  }
  const run = COMMANDS[command];
  if (!run) throw new CliError(`unknown command "${command}"\n${USAGE}`);
  await run(rest);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    const msg = e instanceof Error ? e.message : String(e);
    process.stderr.write(`lab: ${msg.split('\n')[0]}\n`);
    process.exit(e instanceof CliError ? 2 : 1);
  },
);
