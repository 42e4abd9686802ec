// The lab's shared constants: each written once here and imported wherever
// it is used (the settings table, the Lab, the CLI, the page).

/** GPT-2's <|endoftext|> token: BOS and EOS of every GPT-2 checkpoint. */
export const END_OF_TEXT_ID = 50256;

/** Key-statistics corpus and size when an experiment names none (a browser cannot do ROME's 100k Wikipedia samples). */
export const DEFAULT_STATS_CORPUS = 'wikitext2';
export const DEFAULT_STATS_TOKENS = 20_000;

/** Collapse when ME-PPL exceeds this multiple of the unedited model's (evaluation.md). */
export const DEFAULT_COLLAPSE_FACTOR = 10;

/** The evaluation texts scored after every edit when an experiment names none. */
export const DEFAULT_EVAL_SET = 'me-ppl-50';

/** LAMBADA items the page scores after every edit (a fixed seeded subsample); 0 turns it off. */
export const DEFAULT_LAMBADA_ITEMS = 20;
