// GPT-2 pre-tokenisation: the text is cut into pieces (words with their leading space,
// numbers, punctuation runs, whitespace runs) and BPE runs inside each piece only.
//
// The pattern is openai/gpt-2's
//   's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
// with `\s` spelled `\p{White_Space}`: Python's `regex` module (which GPT-2 and tiktoken
// follow) means exactly the Unicode White_Space set by `\s`, whereas JavaScript's `\s`
// adds U+FEFF and lacks U+0085. The contractions are case-sensitive, as in GPT-2.
export const GPT2_SPLIT_PATTERN =
  /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\p{White_Space}\p{L}\p{N}]+|\p{White_Space}+(?!\P{White_Space})|\p{White_Space}+/gu;

/** The pieces of `text`, in order; their concatenation is `text`. */
export function pretokenize(text: string): string[] {
  return text.match(GPT2_SPLIT_PATTERN) ?? [];
}
