// Task scorers on hand-checkable inputs: a fake model with known
// log-likelihoods and argmaxes, the SQuAD normalisation and F1, acc_norm's
// UTF-8 byte lengths, the correlation report. No GPU.
import { describe, expect, it } from 'vitest';
import { detectCollapse } from '../models/eval/collapse.ts';
import { correlationReport, pearson, ranks, spearman } from '../models/eval/correlation.ts';
import { editMetrics, harmonicMean, localityCaches, meanEditMetrics, type EditCase } from '../models/eval/edit-metrics.ts';
import { utf8Length } from '../models/eval/encode-pair.ts';
import { cutAtStop, greedyGenerate } from '../models/eval/greedy.ts';
import { hellaswagPreprocess, hellaswagQuestion, pyCapitalize } from '../models/eval/hellaswag.ts';
import { scoreLambada } from '../models/eval/lambada.ts';
import { fitToContext, loglikelihoods } from '../models/eval/loglik.ts';
import { mmluPrompt } from '../models/eval/mmlu.ts';
import { decideChoice, scoreMultipleChoice } from '../models/eval/multiple-choice.ts';
import { scoreNqOpen } from '../models/eval/nq-open.ts';
import { scoreSquad } from '../models/eval/squad.ts';
import { bestExactMatch, bestF1, exactMatch, goldAnswers, normalizeAnswer, tokenF1 } from '../models/eval/squad-metrics.ts';
import { parseTaskList } from '../models/eval/tasks.ts';
import { loadGpt2TokenizerFromDir } from '../models/tokenizer/tokenizer-node.ts';
import { fakeScoringModel } from './helpers/scoring-models.ts';

const tok = loadGpt2TokenizerFromDir();
const EOS = 50256;

describe('SQuAD normalisation, exact match and F1 (the official script)', () => {
  it('lower-cases, strips ASCII punctuation and whole-word articles, collapses spaces', () => {
    expect(normalizeAnswer('The  Quick, brown fox!')).toBe('quick brown fox');
    expect(normalizeAnswer('An apple a day')).toBe('apple day');
    expect(normalizeAnswer('theater, anathema')).toBe('theater anathema');
    expect(normalizeAnswer('A.B.C.')).toBe('abc');
    expect(normalizeAnswer('the_the')).toBe('thethe'); // "_" is in string.punctuation
    expect(normalizeAnswer('Über die Brücke — the end')).toBe('über die brücke — end'); // non-ASCII punctuation stays
    expect(normalizeAnswer('ña the')).toBe('ña');
    expect(normalizeAnswer('  ')).toBe('');
  });

  it('exact match and token F1', () => {
    expect(exactMatch('The Normans', 'normans.')).toBe(1);
    expect(exactMatch('Normans', 'Norman')).toBe(0);
    expect(tokenF1('the cat sat', 'cat sat down')).toBeCloseTo(0.8, 12);
    expect(tokenF1('x x y', 'x y y')).toBeCloseTo(2 / 3, 12);
    expect(tokenF1('alpha', 'beta')).toBe(0);
    expect(tokenF1('', '')).toBe(1);
    expect(tokenF1('', 'something')).toBe(0);
    expect(tokenF1('the', 'a')).toBe(1); // both normalise to no-answer
  });

  it('best over gold answers; an unanswerable question is gold ""', () => {
    expect(goldAnswers(['the', 'France'])).toEqual(['France']);
    expect(goldAnswers([])).toEqual(['']);
    expect(bestExactMatch([], '')).toBe(1);
    expect(bestExactMatch([], 'Rollo')).toBe(0);
    expect(bestF1(['in the 10th century', '10th century'], 'the 10th century')).toBe(1);
    expect(bestF1(['Rollo', 'King Rollo of Normandy'], 'Rollo of Normandy')).toBeCloseTo(Math.max(2 / 3, (2 * 1 * 0.75) / 1.75), 12);
  });
});

describe('multiple choice: acc and acc_norm', () => {
  it('acc_norm divides by the UTF-8 byte length, not characters', () => {
    expect([utf8Length('é'), utf8Length('ee'), utf8Length('日本'), utf8Length('😀')]).toEqual([2, 2, 6, 4]);
    // By characters 'é' would score -3/1 < -4/2; by bytes -3/2 > -4/2.
    const d = decideChoice([-3, -4], ['é', 'ee'], 0);
    expect(d.byteLengths).toEqual([2, 2]);
    expect(d.pred).toBe(0);
    expect(d.predNorm).toBe(0);
    const e = decideChoice([-10, -12], ['ab', 'abcdef'], 1);
    expect([e.pred, e.acc, e.predNorm, e.accNorm]).toEqual([0, 0, 1, 1]);
    const emoji = decideChoice([-8, -5], ['😀😀', 'abc'], 0); // -8/8 = -1 > -5/3
    expect([emoji.pred, emoji.predNorm]).toEqual([1, 0]);
    expect(decideChoice([-1, -1], ['a', 'b'], 1).pred).toBe(0); // ties: first, like numpy
  });

  it('scores continuations " " + choice after the context, batched in one call', async () => {
    const lm = fakeScoringModel(() => -1, () => 0); // every token costs 1 nat
    const r = await scoreMultipleChoice(lm, tok, [{ context: 'Question: q\nAnswer:', choices: ['x', 'hello world'], label: 1 }]);
    // " x" is one token, " hello world" two: log-likelihoods -1 and -2; per byte -1/1 and -2/11.
    expect(r.items[0]!.logLiks).toEqual([-1, -2]);
    expect(r.metrics).toEqual({ acc: 0, acc_norm: 1, n: 1, truncated: 0 });
    expect(lm.scored).toEqual([
      [24361, 25, 10662, 198, 33706, 25, 2124],
      [24361, 25, 10662, 198, 33706, 25, 23748, 995],
    ]);
  });
});

describe('log-likelihood requests', () => {
  const lm = fakeScoringModel(
    (_p, next) => -(next % 7) - 1,
    (prev) => prev + 1,
    4,
  );

  it('sums the continuation log-probabilities and checks greedy', async () => {
    lm.scored.length = 0;
    const big = fakeScoringModel(
      (_p, next) => -(next % 7) - 1,
      (prev) => prev + 1,
    );
    const [a, b] = await loglikelihoods(big, [
      { context: [5, 6, 7], continuation: [8, 9] },
      { context: [5, 6, 7], continuation: [8, 10] },
    ]);
    expect(a).toEqual({ logLik: -2 - 3, greedy: true, tokens: 2, truncated: 0 });
    expect(b).toEqual({ logLik: -2 - 4, greedy: false, tokens: 2, truncated: 0 });
  });

  it('cuts long inputs from the left, keeping the continuation', async () => {
    const [r] = await loglikelihoods(lm, [{ context: [1, 2, 3, 4, 5], continuation: [6, 7] }]);
    expect(lm.scored.at(-1)).toEqual([4, 5, 6, 7]);
    expect(r).toEqual({ logLik: -(6 % 7) - 1 - (7 % 7) - 1, greedy: true, tokens: 2, truncated: 3 });
    expect(fitToContext({ context: [1, 2], continuation: [3] }, 4)).toEqual({ seq: [1, 2, 3], contStart: 2, truncated: 0 });
    expect(() => fitToContext({ context: [1], continuation: [2, 3, 4, 5] }, 4)).toThrow(/does not fit/);
    expect(() => fitToContext({ context: [], continuation: [2] }, 4)).toThrow(/context is empty/);
  });

  it('LAMBADA: accuracy is greedy reproduction of the word; ppl is exp(-mean summed log-likelihood)', async () => {
    const fake = fakeScoringModel(
      (_p, next) => (next === 262 ? -0.5 : -2),
      () => 262, // " the" is always the argmax
    );
    const r = await scoreLambada(fake, tok, [
      { context: 'Look at', continuation: 'the' },
      { context: 'Look at', continuation: 'cat' },
    ]);
    expect(r.items.map((i) => i.correct)).toEqual([1, 0]);
    expect(r.metrics.acc).toBe(0.5);
    expect(r.metrics.ppl).toBeCloseTo(Math.exp(1.25), 12);
    expect(r.metrics.ppl_token).toBeCloseTo(Math.exp(1.25), 12);
  });
});

describe('greedy generation for QA', () => {
  const chain = tok.encode(' Paris, France\nNext'); // [6342, 11, 4881, 198, 10019]
  const next = (prev: number) => {
    const i = chain.indexOf(prev);
    return i >= 0 ? (chain[i + 1] ?? EOS) : chain[0]!;
  };

  it('stops at the first stop string, at EOS, or after maxNewTokens', async () => {
    const lm = fakeScoringModel(() => -1, next);
    const prompt = tok.encode('Q: capital of France?\nA:');
    const [g] = await greedyGenerate(lm, tok, [prompt], { maxNewTokens: 16, until: ['\n', '.', ','] });
    expect(g!.text).toBe(' Paris');
    expect(lm.prompted).toHaveLength(2); // " Paris", then "," ends it
    const [h] = await greedyGenerate(lm, tok, [prompt], { maxNewTokens: 16, until: ['\n'] });
    expect(h!.text).toBe(' Paris, France');
    const [one] = await greedyGenerate(lm, tok, [prompt], { maxNewTokens: 1, until: ['\n'] });
    expect(one!.text).toBe(' Paris');
    const [eos] = await greedyGenerate(fakeScoringModel(() => -1, () => EOS), tok, [prompt], { maxNewTokens: 5, until: [] });
    expect(eos).toEqual({ text: '', tokens: [], truncated: 0 });
    expect(cutAtStop('a.b,c', ['.', ','])).toEqual({ text: 'a', stopped: true });
  });

  it('cuts prompts from the left so prompt + answer fit the context', async () => {
    const lm = fakeScoringModel(() => -1, () => 42, 8);
    const [g] = await greedyGenerate(lm, tok, [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10]], { maxNewTokens: 3, until: [] });
    expect(g!.truncated).toBe(5);
    expect(lm.prompted[0]).toEqual([6, 7, 8, 9, 10]);
    expect(lm.prompted[2]).toEqual([6, 7, 8, 9, 10, 42, 42]);
  });

  it('NQ-open exact match and SQuAD EM/F1 on generated answers', async () => {
    const lm = fakeScoringModel(() => -1, next);
    const nq = await scoreNqOpen(lm, tok, [
      { question: 'what is the capital of france', answers: ['Paris'] },
      { question: 'who', answers: ['London'] },
    ]);
    expect(nq.items.map((i) => [i.prediction, i.em])).toEqual([
      [' Paris', 1],
      [' Paris', 0],
    ]);
    expect(nq.accuracy).toBe(0.5);
    const base = { id: 'x', title: 'T', context: 'C', question: 'Where?' };
    const sq = await scoreSquad(lm, tok, [
      { ...base, answers: ['Paris, France'], is_impossible: false },
      { ...base, answers: ['France'], is_impossible: false },
      { ...base, answers: [], is_impossible: true },
    ]);
    expect(sq.items.map((i) => i.prediction)).toEqual([' Paris, France', ' Paris, France', ' Paris, France']);
    expect(sq.items.map((i) => i.em)).toEqual([1, 0, 0]);
    expect(sq.items[1]!.f1).toBeCloseTo(2 / 3, 12);
    expect(sq.metrics).toMatchObject({ em: 1 / 3, has_ans_em: 0.5, no_ans_em: 0, n: 3 });
    expect(sq.metrics.f1).toBeCloseTo((1 + 2 / 3 + 0) / 3, 12);
  });
});

describe('CounterFact edit metrics', () => {
  const PARIS = 6342;
  const LONDON = 3576;
  const c: EditCase = {
    prompt: 'The capital of {} is',
    subject: 'France',
    target_new: 'London',
    target_true: 'Paris',
    paraphrase_prompts: ['France has its capital in', 'Capital of France:'],
    neighborhood_prompts: ['The capital of Germany is', 'The capital of Spain is'],
  };

  it('probability form, token-accuracy form and locality against a pre-edit cache', async () => {
    // Before: " Paris" likely and the argmax. After: " London" likely and the argmax.
    const before = fakeScoringModel((_p, n) => (n === PARIS ? -1 : n === LONDON ? -3 : -9), () => PARIS);
    const after = fakeScoringModel((_p, n) => (n === LONDON ? -1 : n === PARIS ? -2 : -9), () => LONDON);
    const [cache] = await localityCaches(before, tok, [c]);
    expect(cache!.argmax).toEqual([[PARIS], [PARIS]]);
    const m = await editMetrics(after, tok, c, cache!);
    expect(m).toMatchObject({ efficacy: 1, generalization: 1, specificity: 0, score: 0, rewrite_acc: 1, rephrase_acc: 1, locality: 0 });
    expect(m.efficacy_magnitude).toBeCloseTo(Math.exp(-1) - Math.exp(-2), 12);
    expect(m.specificity_magnitude).toBeCloseTo(Math.exp(-2) - Math.exp(-1), 12);
    const unedited = await editMetrics(before, tok, c, cache!);
    expect(unedited).toMatchObject({ efficacy: 0, generalization: 0, specificity: 1, score: 0, rewrite_acc: 0, locality: 1 });
    expect((await editMetrics(after, tok, c)).locality).toBeNull();
    const avg = meanEditMetrics([m, unedited]);
    expect(avg).toMatchObject({ efficacy: 0.5, generalization: 0.5, specificity: 0.5, locality: 0.5 });
    expect(avg.score).toBeCloseTo(0.5, 12);
  });

  it('harmonic mean', () => {
    expect(harmonicMean([1, 0.5, 0.25])).toBeCloseTo(3 / (1 + 2 + 4), 12);
    expect(harmonicMean([1, 0, 1])).toBe(0);
    expect(harmonicMean([1, NaN])).toBeNaN();
  });
});

describe('task prompts', () => {
  it('HellaSwag preprocessing and context as the harness builds them', () => {
    expect(hellaswagPreprocess(' How to X [title] Do this [step] now  please ')).toBe('How to X. Do this now please');
    expect(pyCapitalize('hELLO wORLD')).toBe('Hello world');
    const q = hellaswagQuestion({ ind: 1, activity_label: 'Pole vault', ctx_a: 'A man runs.', ctx_b: 'a few WOMEN', endings: ['a', 'b', 'c', 'd [title] e'], label: 3 });
    expect(q).toEqual({ context: 'Pole vault: A man runs. A few women', choices: ['a', 'b', 'c', 'd. e'], label: 3 });
  });

  it('MMLU zero-shot prompt', () => {
    expect(mmluPrompt({ subject: 'abstract_algebra', question: ' What is 2+2? ', choices: ['1', '2', '3', '4'], answer_index: 3 })).toBe(
      'The following are multiple choice questions (with answers) about abstract algebra.\n\nWhat is 2+2?\nA. 1\nB. 2\nC. 3\nD. 4\nAnswer:',
    );
  });

  it('task lists from the command line', () => {
    expect(parseTaskList('lambada:50, piqa:5')).toEqual({ lambada: 50, piqa: 5 });
    expect(() => parseTaskList('lambada')).toThrow(/not id:size/);
    expect(() => parseTaskList('boolq:5')).toThrow(/unknown task "boolq"/);
  });
});

describe('correlation of log ME-PPL with task accuracy', () => {
  it('Pearson and Spearman on known values, ties averaged', () => {
    expect(pearson([1, 2, 3], [2, 4, 6])).toBeCloseTo(1, 12);
    expect(pearson([1, 2, 3], [3, 2, 1])).toBeCloseTo(-1, 12);
    expect(pearson([1, 2, 3, 4, 5], [2, 1, 4, 3, 5])).toBeCloseTo(0.8, 12);
    expect(spearman([1, 2, 3, 4], [1, 4, 9, 100])).toBeCloseTo(1, 12);
    expect(pearson([1, 2, 3, 4], [1, 4, 9, 100])).toBeLessThan(0.9);
    expect(ranks([10, 20, 20, 30])).toEqual([1, 2.5, 2.5, 4]);
    expect(spearman([1, 2, 3, 4], [1, 2, 2, 3])).toBeCloseTo(pearson([1, 2, 3, 4], [1, 2.5, 2.5, 4]), 12);
    expect(pearson([1, 2], [1, 2])).toBeNaN();
    expect(pearson([1, 1, 1], [1, 2, 3])).toBeNaN();
  });

  it('uses log ME-PPL and leaves out non-finite points', () => {
    const pts = [1, 2, 3, 4].map((k) => ({ me_ppl: Math.exp(k), tasks: { lambada: 1 - k / 4, piqa: k === 4 ? NaN : 0.5 + (k % 2) / 10 } }));
    const [lam, piqa] = correlationReport([...pts, { me_ppl: Infinity, tasks: { lambada: 0 } }]);
    expect(lam).toMatchObject({ task: 'lambada', n: 4 });
    expect(lam!.pearson).toBeCloseTo(-1, 12);
    expect(lam!.spearman).toBeCloseTo(-1, 12);
    expect(piqa!.n).toBe(3);
  });

  it('collapse is flagged by NaN/Inf in any score', () => {
    expect(detectCollapse(5, 4, 10, { 'lambada ppl': Infinity })).toMatchObject({ collapsed: true, reason: 'lambada ppl is Infinity' });
    expect(detectCollapse(50, 4, 10).collapsed).toBe(true);
    expect(detectCollapse(5, 4, 10, { lambada: 0.3 }).collapsed).toBe(false);
  });
});
