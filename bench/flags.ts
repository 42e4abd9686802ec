// The benchmark scripts' flags, through node:util parseArgs (as the CLI's):
// each script names its flags with their defaults (a string: `--name value`;
// false: a switch); an unknown flag or a missing value is an error that says
// so, never a silently ignored word.
import { parseArgs } from 'node:util';

type Flags<D> = { [K in keyof D]: D[K] extends boolean ? boolean : string };

export function benchFlags<D extends Record<string, string | boolean>>(defaults: D, argv: readonly string[] = process.argv.slice(2), usage = ''): Flags<D> & { positionals: string[] } {
  const options = Object.fromEntries(Object.entries(defaults).map(([k, v]) => [k, { type: typeof v === 'boolean' ? ('boolean' as const) : ('string' as const) }]));
  try {
    const { values, positionals } = parseArgs({ args: [...argv], options, allowPositionals: true, strict: true });
    return { ...defaults, ...values, positionals } as Flags<D> & { positionals: string[] };
  } catch (e) {
    const known = Object.entries(defaults).map(([k, v]) => (typeof v === 'boolean' ? `--${k}` : `--${k} VALUE`)).join(', ');
    throw new Error(`${e instanceof Error ? e.message : String(e)}\n${usage || `flags: ${known || 'none'}`}`);
  }
}
