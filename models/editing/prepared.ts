// One edit request, tokenised once (issue 9, item 4): the Lab prepares it and
// the same object goes to the method, the fact preview and the outcome, so a
// new method reads ids from here instead of tokenising the strings again.
// Per-template work (key contexts) is memoised by template, so ROME's k*, the
// preview's denominator and MEMIT's keys share one tokenisation.
import type { EditRequest } from '../experiment.ts';
import type { Gpt2Tokenizer } from '../tokenizer/gpt2-tokenizer.ts';
import { fill, subjectLastIndex, wrap } from './subject-index.ts';

/** A context template wrapped around the prompt, the subject filled in, tokenised; index is the subject's last token. */
export interface KeyContext {
  template: string;
  ids: number[];
  index: number;
}

export interface PreparedRequest {
  readonly request: EditRequest;
  /** The bare prompt (template "{}"): its ids and the subject's last token (0: subject at the start, ROME's collapse case). */
  readonly prompt: KeyContext;
  /** The new target's ids (leading space added as ROME does). */
  readonly targetNewIds: readonly number[];
  /** The true target's ids, when the request names one. */
  readonly targetTrueIds: readonly number[] | null;
  /** The key contexts for these context templates ("{}" gives `prompt`), in their order; memoised per template. */
  contexts(templates: readonly string[]): KeyContext[];
  /** v*'s prompts (rome.md step 5): per context template, its text and the new target but its last token; then the KL prompts. */
  vPrompts(templates: readonly string[], klPrompts: readonly string[]): VPrompt[];
}

/** A v* prompt tokenised, with the row δ is added at (lookup) and, for rewriting prompts, the target positions scored. */
export interface VPrompt {
  kind: 'rewriting' | 'kl';
  template: string;
  ids: number[];
  lookup: number;
  /** Scored positions (rewriting prompts). */
  scored: number[];
}

/** A target's ids: GPT-2 targets follow the prompt after a space. */
export function targetIdsOf(tok: Gpt2Tokenizer, target: string): number[] {
  const ids = tok.encode(target.startsWith(' ') ? target : ' ' + target);
  if (ids.length === 0) throw new Error('the new target is empty');
  return ids;
}

/** The key text of one context template (rome.md step 4). */
export function keyContext(tok: Gpt2Tokenizer, request: Pick<EditRequest, 'prompt' | 'subject'>, context: string): KeyContext {
  const template = wrap(context, request.prompt);
  return { template, ids: tok.encode(fill(template, request.subject)), index: subjectLastIndex(tok, template, request.subject) };
}

export function prepareRequest(tok: Gpt2Tokenizer, request: EditRequest): PreparedRequest {
  const byTemplate = new Map<string, KeyContext>();
  const context = (c: string) => {
    let k = byTemplate.get(c);
    if (!k) byTemplate.set(c, (k = keyContext(tok, request, c)));
    return k;
  };
  const targetNewIds = targetIdsOf(tok, request.target_new);
  // ROME tokenises each rewriting prompt as one string (context + prompt + target prefix): BPE may merge across the join.
  const prefixText = tok.decode(targetNewIds.slice(0, -1));
  const Tt = targetNewIds.length;
  const rewriting = (c: string): VPrompt => {
    const k = context(c);
    const ids = prefixText === '' ? k.ids : tok.encode(fill(k.template + prefixText, request.subject));
    return { kind: 'rewriting', template: k.template + prefixText, ids, lookup: k.index, scored: targetNewIds.map((_, j) => ids.length - Tt + j) };
  };
  const kl = (template: string): VPrompt => ({
    kind: 'kl',
    template,
    ids: tok.encode(fill(template, request.subject)),
    lookup: subjectLastIndex(tok, template, request.subject),
    scored: [],
  });
  return {
    request,
    prompt: context('{}'),
    targetNewIds,
    targetTrueIds: request.target_true ? targetIdsOf(tok, request.target_true) : null,
    contexts: (templates) => templates.map(context),
    vPrompts: (templates, klPrompts) => [...templates.map(rewriting), ...klPrompts.map(kl)],
  };
}
