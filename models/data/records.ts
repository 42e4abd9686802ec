// Reading dataset records with errors a person can act on: every failure
// names the file, the line (JSONL) or record index (JSON arrays), and the
// field, as a dotted path ("requested_rewrite.target_new.str").
import { DataError } from './texts.ts';

export { DataError };

const describe = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v);

/** Typed access to one record's fields; `where` is "file: line 3" or "file: record 7". */
export class RecordFields {
  private readonly obj: Record<string, unknown>;

  constructor(
    value: unknown,
    readonly where: string,
    private readonly prefix = '',
  ) {
    if (!value || typeof value !== 'object' || Array.isArray(value)) {
      throw new DataError(`${where}: ${prefix ? `field "${prefix.slice(0, -1)}"` : 'the record'} must be an object, got ${describe(value)}`);
    }
    this.obj = value as Record<string, unknown>;
  }

  fail(field: string, problem: string): never {
    throw new DataError(`${this.where}: field "${this.prefix}${field}" ${problem}`);
  }

  has(field: string): boolean {
    return this.obj[field] !== undefined;
  }

  private get(field: string): unknown {
    const v = this.obj[field];
    if (v === undefined) this.fail(field, 'is missing');
    return v;
  }

  string(field: string, { nonEmpty = false } = {}): string {
    const v = this.get(field);
    if (typeof v !== 'string') this.fail(field, `must be a string, got ${describe(v)}`);
    if (nonEmpty && !(v as string).trim()) this.fail(field, 'is empty');
    return v as string;
  }

  strings(field: string, { min = 0, max = Infinity, nonEmpty = false } = {}): string[] {
    const v = this.get(field);
    if (!Array.isArray(v)) this.fail(field, `must be an array of strings, got ${describe(v)}`);
    const a = v as unknown[];
    if (a.length < min || a.length > max) {
      const want = min === max ? `${min}` : max === Infinity ? `at least ${min}` : `${min} to ${max}`;
      this.fail(field, `must hold ${want} string${min === 1 && max !== 1 ? '(s)' : min === 1 ? '' : 's'}, has ${a.length}`);
    }
    a.forEach((s, i) => {
      if (typeof s !== 'string') this.fail(`${field}[${i}]`, `must be a string, got ${describe(s)}`);
      if (nonEmpty && !s.trim()) this.fail(`${field}[${i}]`, 'is empty');
    });
    return a as string[];
  }

  integer(field: string, lo: number, hi: number): number {
    const v = this.get(field);
    if (typeof v !== 'number' || !Number.isInteger(v)) this.fail(field, `must be an integer, got ${JSON.stringify(v)?.slice(0, 40)}`);
    if ((v as number) < lo || (v as number) > hi) this.fail(field, `must be between ${lo} and ${hi}, got ${v}`);
    return v as number;
  }

  boolean(field: string): boolean {
    const v = this.get(field);
    if (typeof v !== 'boolean') this.fail(field, `must be true or false, got ${describe(v)}`);
    return v as boolean;
  }

  object(field: string): RecordFields {
    return new RecordFields(this.get(field), this.where, `${this.prefix}${field}.`);
  }
}

/** JSONL: one record per non-blank line; errors name the 1-based line. */
export function parseJsonLines<T>(text: string, file: string, parse: (r: RecordFields) => T): T[] {
  const out: T[] = [];
  const lines = text.split('\n');
  lines.forEach((line, i) => {
    if (!line.trim()) return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (e) {
      throw new DataError(`${file}: line ${i + 1} is not valid JSON (${e instanceof Error ? e.message : e})`);
    }
    out.push(parse(new RecordFields(value, `${file}: line ${i + 1}`)));
  });
  if (out.length === 0) throw new DataError(`${file}: holds no records`);
  return out;
}

/** A JSON array of records; errors name the 0-based record index. */
export function parseJsonRecords<T>(text: string, file: string, parse: (r: RecordFields) => T): T[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new DataError(`${file}: is not valid JSON (${e instanceof Error ? e.message : e})`);
  }
  if (!Array.isArray(value)) throw new DataError(`${file}: expected a JSON array of records, got ${describe(value)}`);
  if (value.length === 0) throw new DataError(`${file}: holds no records`);
  return value.map((v, i) => parse(new RecordFields(v, `${file}: record ${i}`)));
}
