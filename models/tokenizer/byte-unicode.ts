// GPT-2's reversible byte <-> printable-character table (openai/gpt-2 `bytes_to_unicode`).
// BPE works on strings, so every byte is first mapped to a visible character; bytes that
// are already printable Latin-1 map to themselves, the other 68 go to U+0100 and up
// (so a space becomes 'Ġ' = U+0120 and a newline 'Ċ' = U+010A).

function isPrintableByte(b: number): boolean {
  return (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
}

function buildByteToChar(): string[] {
  const table = new Array<string>(256);
  let next = 0;
  for (let b = 0; b < 256; b++) {
    table[b] = isPrintableByte(b) ? String.fromCharCode(b) : String.fromCharCode(256 + next++);
  }
  return table;
}

/** BYTE_TO_CHAR[b] is the one-character string standing for byte b. */
export const BYTE_TO_CHAR: readonly string[] = buildByteToChar();

/** Inverse of BYTE_TO_CHAR, keyed by the character's UTF-16 code unit (all are < 0x200). */
export const CHAR_TO_BYTE: ReadonlyMap<number, number> = new Map(BYTE_TO_CHAR.map((c, b) => [c.charCodeAt(0), b]));

/** UTF-8 bytes -> the BPE alphabet string. */
export function bytesToBpeString(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += BYTE_TO_CHAR[bytes[i]!];
  return s;
}
