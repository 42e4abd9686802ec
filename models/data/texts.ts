// The inputs a perplexity pass accepts (shared/spec/experiment.md, `score`):
// a JSON array of strings, ME-PPL records [{"Text": ...}], or {"ids": [[...]]}.

export type TextsInput = { kind: 'texts'; texts: string[] } | { kind: 'ids'; ids: number[][] };

export class DataError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DataError';
  }
}

const MAX_TEXTS = 100_000;

export function parseTextsJson(text: string, name = 'texts file', vocabSize = 50257): TextsInput {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new DataError(`${name} is not valid JSON: ${e instanceof Error ? e.message : e}`);
  }
  return parseTextsValue(value, name, vocabSize);
}

export function parseTextsValue(value: unknown, name = 'texts', vocabSize = 50257): TextsInput {
  if (Array.isArray(value)) {
    if (value.length > MAX_TEXTS) throw new DataError(`${name}: ${value.length} texts is more than the ${MAX_TEXTS} allowed`);
    const texts = value.map((v, i) => {
      if (typeof v === 'string') return v;
      if (v && typeof v === 'object' && typeof (v as { Text?: unknown }).Text === 'string') return (v as { Text: string }).Text;
      throw new DataError(`${name}: entry ${i} is neither a string nor a {"Text": string} record`);
    });
    return { kind: 'texts', texts };
  }
  if (value && typeof value === 'object' && 'ids' in value) {
    const ids = (value as { ids: unknown }).ids;
    if (!Array.isArray(ids)) throw new DataError(`${name}: "ids" must be an array of token id arrays`);
    if (ids.length > MAX_TEXTS) throw new DataError(`${name}: ${ids.length} sequences is more than the ${MAX_TEXTS} allowed`);
    ids.forEach((seq, i) => {
      if (!Array.isArray(seq)) throw new DataError(`${name}: ids[${i}] is not an array`);
      seq.forEach((t, j) => {
        if (!Number.isInteger(t) || t < 0 || t >= vocabSize) {
          throw new DataError(`${name}: ids[${i}][${j}] = ${JSON.stringify(t)} is not a token id in [0, ${vocabSize})`);
        }
      });
    });
    return { kind: 'ids', ids: ids as number[][] };
  }
  throw new DataError(`${name}: expected a JSON array of strings, [{"Text": ...}] records, or {"ids": [[...]]}`);
}
