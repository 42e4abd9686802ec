// GPT-2 byte-level BPE tokenizer (r50k_base): encode text to ids and decode ids to text.
// Built from the two OpenAI files, passed in as data so it runs in browsers and Node alike.
import { BYTE_TO_CHAR, CHAR_TO_BYTE, bytesToBpeString } from './byte-unicode.ts';
import { BpeCache, bpeMerge, parseMergeRanks } from './bpe.ts';
import { pretokenize } from './pretokenize.ts';

export const END_OF_TEXT = '<|endoftext|>';
import { END_OF_TEXT_ID } from '../defaults.ts';

export { END_OF_TEXT_ID };

export interface EncodeOptions {
  /**
   * When true, each literal "<|endoftext|>" in the text becomes the single id 50256.
   * Default false: the text is encoded as plain text (like tiktoken's encode_ordinary and
   * openai/gpt-2's encoder), so "<|endoftext|>" becomes the ids of "<|", "endoftext", "|>".
   * Plain text is the safe default for user input: typing the marker cannot end a document.
   */
  allowSpecial?: boolean;
}

export class Gpt2Tokenizer {
  /** Token string (in the byte-to-char alphabet) -> id. */
  private readonly encoder: ReadonlyMap<string, number>;
  /** id -> token string. */
  private readonly decoder: readonly string[];
  private readonly ranks: ReadonlyMap<string, number>;
  private readonly cache = new BpeCache();
  private readonly utf8 = new TextEncoder();
  // fatal: false replaces invalid UTF-8 with U+FFFD, like Python's errors='replace' (HF's default).
  private readonly utf8Decoder = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });

  /** encoderJson: the parsed encoder.json object; vocabBpe: the text of vocab.bpe. */
  constructor(encoderJson: Record<string, number>, vocabBpe: string) {
    if (encoderJson === null || typeof encoderJson !== 'object' || Array.isArray(encoderJson)) {
      throw new Error('encoder.json must be an object mapping token strings to ids');
    }
    const encoder = new Map<string, number>();
    const decoder: string[] = [];
    for (const [token, id] of Object.entries(encoderJson)) {
      if (!Number.isInteger(id) || id < 0) throw new Error(`encoder.json: token ${JSON.stringify(token)} has invalid id ${String(id)}`);
      if (decoder[id] !== undefined) throw new Error(`encoder.json: id ${id} is used twice`);
      for (let i = 0; i < token.length; i++) {
        if (!CHAR_TO_BYTE.has(token.charCodeAt(i))) throw new Error(`encoder.json: token ${JSON.stringify(token)} has a character outside GPT-2's byte alphabet`);
      }
      encoder.set(token, id);
      decoder[id] = token;
    }
    for (let id = 0; id < decoder.length; id++) {
      if (decoder[id] === undefined) throw new Error(`encoder.json: id ${id} is missing (ids must be 0..n-1)`);
    }
    // Every single byte must be a token, or some text would be unencodable.
    for (const c of BYTE_TO_CHAR) {
      if (!encoder.has(c)) throw new Error(`encoder.json lacks the single-byte token ${JSON.stringify(c)}`);
    }
    this.encoder = encoder;
    this.decoder = decoder;
    this.ranks = parseMergeRanks(vocabBpe);
  }

  /** Number of ids (50257 for GPT-2). */
  get vocabSize(): number {
    return this.decoder.length;
  }

  /** GPT-2 ids of `text`. No BOS/EOS is added; encode('') is []. */
  encode(text: string, options: EncodeOptions = {}): number[] {
    if (!options.allowSpecial) return this.encodeOrdinary(text);
    const ids: number[] = [];
    const parts = text.split(END_OF_TEXT);
    parts.forEach((part, i) => {
      if (i > 0) ids.push(END_OF_TEXT_ID);
      for (const id of this.encodeOrdinary(part)) ids.push(id);
    });
    return ids;
  }

  /** Text of `ids`; byte sequences that are not valid UTF-8 decode to U+FFFD. */
  decode(ids: readonly number[]): string {
    return this.utf8Decoder.decode(this.decodeBytes(ids));
  }

  /** The raw bytes of `ids` (useful when a token boundary splits a UTF-8 character). */
  decodeBytes(ids: readonly number[]): Uint8Array {
    const bytes: number[] = [];
    for (const id of ids) {
      const token = this.decoder[id];
      if (token === undefined) throw new Error(`decode: id ${id} is not in the vocabulary (0..${this.decoder.length - 1})`);
      for (let i = 0; i < token.length; i++) bytes.push(CHAR_TO_BYTE.get(token.charCodeAt(i))!);
    }
    return Uint8Array.from(bytes);
  }

  /** The token string of one id, in the byte-to-char alphabet (e.g. 'Ġthe'). */
  tokenString(id: number): string {
    const token = this.decoder[id];
    if (token === undefined) throw new Error(`id ${id} is not in the vocabulary`);
    return token;
  }

  private encodeOrdinary(text: string): number[] {
    const ids: number[] = [];
    for (const piece of pretokenize(text)) {
      for (const id of this.encodePiece(piece)) ids.push(id);
    }
    return ids;
  }

  private encodePiece(piece: string): readonly number[] {
    const cached = this.cache.get(piece);
    if (cached) return cached;
    const ids = bpeMerge(bytesToBpeString(this.utf8.encode(piece)), this.ranks).map((symbol) => {
      const id = this.encoder.get(symbol);
      // Cannot happen with consistent files: every merge result is a vocabulary entry.
      if (id === undefined) throw new Error(`BPE produced ${JSON.stringify(symbol)}, which encoder.json lacks`);
      return id;
    });
    this.cache.set(piece, ids);
    return ids;
  }
}
