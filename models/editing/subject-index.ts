// Where the subject's last token sits in a tokenised template (rome.md step 2,
// ROME's repr_tools.get_words_idxs_in_templates with subtoken "last").
// The prefix and the subject are tokenised separately, as ROME does.
import type { Gpt2Tokenizer } from '../tokenizer/gpt2-tokenizer.ts';

export function splitTemplate(template: string): { prefix: string; suffix: string } {
  const parts = template.split('{}');
  if (parts.length !== 2) throw new Error(`template "${template}" must contain exactly one {}`);
  return { prefix: parts[0]!, suffix: parts[1]! };
}

export function subjectLastIndex(tok: Gpt2Tokenizer, template: string, subject: string): number {
  const { prefix } = splitTemplate(template);
  if (prefix === '') return tok.encode(subject).length - 1;
  if (!prefix.endsWith(' ')) {
    // ROME asserts this; a prefix glued to the subject tokenises differently.
    throw new Error(`the text before {} must end with a space (got "${prefix}")`);
  }
  return tok.encode(prefix.slice(0, -1)).length + tok.encode(' ' + subject.trim()).length - 1;
}

/** "{} plays" with "LeBron" → "LeBron plays"; the subject goes where {} is. */
export function fill(template: string, subject: string): string {
  const { prefix, suffix } = splitTemplate(template);
  return prefix + subject + suffix;
}

/** A context template wrapped around a prompt that keeps its own {}: c.format(prompt). */
export function wrap(context: string, prompt: string): string {
  const { prefix, suffix } = splitTemplate(context);
  return prefix + prompt + suffix;
}
