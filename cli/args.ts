// Flags through node:util parseArgs: each command names the flags it takes
// (a misspelt one is refused, not ignored); `--name value` or `--name=value`.
import { parseArgs as parseFlags } from 'node:util';

export interface ParsedArgs {
  positionals: string[];
  flags: Map<string, string | true>;
}

/** A command's flags: those that take a value, and switches. */
export interface FlagSpec {
  values: readonly string[];
  switches?: readonly string[];
}

export function parseArgs(argv: readonly string[], spec: FlagSpec): ParsedArgs {
  const options: Record<string, { type: 'string' | 'boolean' }> = {};
  for (const name of spec.values) options[name] = { type: 'string' };
  for (const name of spec.switches ?? []) options[name] = { type: 'boolean' };
  let parsed;
  try {
    parsed = parseFlags({ args: [...argv], options, strict: true, allowPositionals: true });
  } catch (e) {
    // node's messages name the flag ("Unknown option '--x'", "Option '--model <value>' argument missing").
    throw new CliError(`${(e instanceof Error ? e.message : String(e)).split('. ')[0]} (flags: ${[...spec.values, ...(spec.switches ?? [])].map((f) => `--${f}`).join(' ')})`);
  }
  const flags = new Map<string, string | true>();
  for (const [name, v] of Object.entries(parsed.values)) if (v !== undefined && v !== false) flags.set(name, v === true ? true : String(v));
  return { positionals: parsed.positionals, flags };
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
