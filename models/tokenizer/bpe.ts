// Byte-pair merging inside one pre-token, with a cache because natural text repeats
// the same words constantly (the cache is what makes encoding 10k sentences fast).

/** Merge ranks from vocab.bpe: a `#version` line, then one "left right" pair per line. */
export function parseMergeRanks(vocabBpe: string): Map<string, number> {
  const ranks = new Map<string, number>();
  const lines = vocabBpe.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.replace(/\r$/, '');
    if (line === '' || (i === 0 && line.startsWith('#version'))) continue;
    const parts = line.split(' ');
    if (parts.length !== 2 || parts[0] === '' || parts[1] === '') {
      throw new Error(`vocab.bpe line ${i + 1} is not a "left right" merge: ${JSON.stringify(line)}`);
    }
    // Key joins the pair with a space: safe because BPE symbols never contain one (space is 'Ġ').
    ranks.set(`${parts[0]} ${parts[1]}`, ranks.size);
  }
  return ranks;
}

/**
 * Splits `word` (in the byte-to-char alphabet) into its BPE symbols: repeatedly merge the
 * adjacent pair with the lowest rank, all of its occurrences at once, until none is mergeable.
 */
export function bpeMerge(word: string, ranks: ReadonlyMap<string, number>): string[] {
  let symbols = Array.from(word);
  while (symbols.length > 1) {
    let best = Infinity;
    let bestLeft = '';
    let bestRight = '';
    for (let i = 0; i < symbols.length - 1; i++) {
      const rank = ranks.get(`${symbols[i]} ${symbols[i + 1]}`);
      if (rank !== undefined && rank < best) {
        best = rank;
        bestLeft = symbols[i]!;
        bestRight = symbols[i + 1]!;
      }
    }
    if (best === Infinity) break;
    const merged: string[] = [];
    for (let i = 0; i < symbols.length; i++) {
      if (i < symbols.length - 1 && symbols[i] === bestLeft && symbols[i + 1] === bestRight) {
        merged.push(bestLeft + bestRight);
        i++;
      } else {
        merged.push(symbols[i]!);
      }
    }
    symbols = merged;
  }
  return symbols;
}

/** A bounded memo: cleared wholesale when full, which is simple and keeps memory flat. */
export class BpeCache {
  private readonly entries = new Map<string, readonly number[]>();
  constructor(private readonly maxEntries = 100_000) {}
  get(piece: string): readonly number[] | undefined {
    return this.entries.get(piece);
  }
  set(piece: string, ids: readonly number[]): void {
    if (this.entries.size >= this.maxEntries) this.entries.clear();
    this.entries.set(piece, ids);
  }
  get size(): number {
    return this.entries.size;
  }
}
