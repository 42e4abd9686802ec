// Minimal flag parsing: `--name value`, `--flag`, and positionals.
export interface ParsedArgs {
  positionals: string[];
  flags: Map<string, string | true>;
}

export function parseArgs(argv: readonly string[], booleanFlags: ReadonlySet<string>): ParsedArgs {
  const positionals: string[] = [];
  const flags = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a.startsWith('--')) {
      const [name, inline] = a.slice(2).split('=', 2) as [string, string | undefined];
      if (inline !== undefined) flags.set(name, inline);
      else if (booleanFlags.has(name)) flags.set(name, true);
      else {
        const v = argv[i + 1];
        if (v === undefined || v.startsWith('--')) throw new CliError(`--${name} needs a value`);
        flags.set(name, v);
        i++;
      }
    } else positionals.push(a);
  }
  return { positionals, flags };
}

/** A user error: printed as one line, exit status 2. */
export class CliError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CliError';
  }
}

export function stringFlag(args: ParsedArgs, name: string, required: true): string;
export function stringFlag(args: ParsedArgs, name: string, required?: false): string | undefined;
export function stringFlag(args: ParsedArgs, name: string, required = false): string | undefined {
  const v = args.flags.get(name);
  if (v === undefined) {
    if (required) throw new CliError(`--${name} is required`);
    return undefined;
  }
  if (v === true) throw new CliError(`--${name} needs a value`);
  return v;
}

/** A whole-number flag in lo..hi, or dflt when absent. */
export function intFlag(args: ParsedArgs, name: string, dflt: number, lo: number, hi: number): number {
  const v = stringFlag(args, name);
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < lo || n > hi) throw new CliError(`--${name} must be an integer in ${lo}..${hi}`);
  return n;
}
