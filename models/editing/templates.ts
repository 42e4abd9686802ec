// ROME's context templates ("The 21-template scheme", rome_main.get_context_templates):
// "{}" plus generated snippets ending in ". {}": 10 of 5 tokens and 10 of 10
// tokens (counting the <|endoftext|> prompt), sampled top-5 from the model
// being edited. Seeded here so a share URL replays the same templates.
import type { Gpt2Model } from '../gpt2/model.ts';
import { EOS_ID } from '../gpt2/model.ts';
import { generate } from '../gpt2/generate.ts';
import type { Gpt2Tokenizer } from '../tokenizer/gpt2-tokenizer.ts';
import { seededRandom } from '../util/random.ts';

export const ROME_TEMPLATE_LENGTHS: ReadonlyArray<readonly [length: number, count: number]> = [
  [5, 10],
  [10, 10],
];

export async function generateContextTemplates(model: Gpt2Model, tok: Gpt2Tokenizer, seed: number, lengths = ROME_TEMPLATE_LENGTHS, signal?: AbortSignal): Promise<string[]> {
  const random = seededRandom(seed);
  const out = ['{}'];
  for (const [length, count] of lengths) {
    const prompts = Array.from({ length: count }, () => [EOS_ID]);
    // ROME samples with top_k = 5 and stops at max_out_len total tokens.
    const gens = await generate(model, prompts, { maxNewTokens: length - 1, topK: 5, random, stopAtEos: false, signal });
    for (const g of gens) {
      const text = tok
        .decode(g)
        .normalize('NFKD')
        .replaceAll('\n\n', ' ')
        .replaceAll('<|endoftext|>', '')
        .replaceAll('{', '')
        .replaceAll('}', '');
      out.push(`${text}. {}`);
    }
  }
  return out;
}
