// Dataset parsers: every bundled file parses into typed records, and
// malformed input fails naming the file, the line or record, and the field.
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { counterFactEdit, parseCounterFact } from '../models/data/counterfact.ts';
import { parseHellaSwag } from '../models/data/hellaswag.ts';
import { parseLambada } from '../models/data/lambada.ts';
import { parseMePpl } from '../models/data/me-ppl.ts';
import { parseMmlu } from '../models/data/mmlu.ts';
import { parseNqOpen } from '../models/data/nq-open.ts';
import { parsePiqa } from '../models/data/piqa.ts';
import { parseSquad } from '../models/data/squad.ts';
import { parseZsre, zsreEdit } from '../models/data/zsre.ts';
import { TASKS } from '../models/eval/tasks.ts';

const read = (p: string) => readFileSync(`public/${p}`, 'utf8');

describe('bundled datasets parse', () => {
  it('every file, with the documented record counts', () => {
    expect(parseLambada(read('data/lambada/lambada_openai_test.jsonl'))).toHaveLength(5153);
    expect(parsePiqa(read('data/piqa/piqa_valid.jsonl'))).toHaveLength(1838);
    expect(parseHellaSwag(read('data/hellaswag/hellaswag_val_1000.jsonl'))).toHaveLength(1000);
    expect(parseMmlu(read('data/mmlu/mmlu_test_10_per_subject.jsonl'))).toHaveLength(570);
    expect(parseMmlu(read('data/mmlu/mmlu_dev_5shot.jsonl'))).toHaveLength(285);
    expect(parseNqOpen(read('data/nq_open/NQ-open.dev.jsonl'))).toHaveLength(3610);
    const squad = parseSquad(read('data/squad_v2/squad_v2_dev_normans.jsonl'));
    expect(squad).toHaveLength(208);
    expect(squad.filter((s) => s.is_impossible)).toHaveLength(112);
    expect(parseCounterFact(read('data/counterfact/counterfact_500.json'))).toHaveLength(500);
    expect(parseZsre(read('data/zsre/zsre_mend_eval_portability.json'))).toHaveLength(1037);
    expect(parseMePpl(read('data/me_ppl/ME-PPL_50.json'))).toHaveLength(50);
  });

  it('typed records carry the real fields', () => {
    const [lam] = parseLambada(read('data/lambada/lambada_openai_test_500.jsonl'));
    expect(lam!.continuation).toBe('signs');
    const [cf] = parseCounterFact(read('data/counterfact/counterfact_100.json'));
    expect(cf!.case_id).toBe(20952);
    expect(counterFactEdit(cf!)).toEqual({ prompt: '{} is located in', subject: 'Angola', target_new: 'Antarctica', target_true: 'Africa' });
    expect(cf!.paraphrase_prompts).toHaveLength(2);
    expect(cf!.neighborhood_prompts).toHaveLength(10);
    const [z] = parseZsre(read('data/zsre/zsre_mend_eval_portability_200.json'));
    expect(zsreEdit(z!)).toEqual({ prompt: 'When was the inception of {}?', subject: 'IAAF Combined Events Challenge', target_new: '2006', target_true: '1998' });
    expect(z!.portability?.answer).toBe('Athletics');
  });

  it('each task points at a shipped file with its licence and source beside it', () => {
    for (const t of Object.values(TASKS)) {
      expect(existsSync(`public/${t.path}`)).toBe(true);
      expect(existsSync(`public/${t.path.split('/').slice(0, -1).join('/')}/SOURCE.md`)).toBe(true);
    }
    const index = readFileSync('public/data/LICENSES.md', 'utf8');
    for (const d of ['counterfact', 'zsre', 'me_ppl', 'lambada', 'piqa', 'hellaswag', 'mmlu', 'nq_open', 'squad_v2', 'wikitext2']) expect(index).toContain(`${d}/SOURCE.md`);
  });
});

describe('malformed data files', () => {
  it('JSONL: names the file, the line and the field', () => {
    expect(() => parseLambada('{"context": "a", "continuation": "b"}\n{"context": "a"}\n', 'lam.jsonl')).toThrow('lam.jsonl: line 2: field "continuation" is missing');
    expect(() => parsePiqa('{"goal": "g", "sol1": "a", "sol2": "b", "label": 2}', 'p.jsonl')).toThrow('p.jsonl: line 1: field "label" must be between 0 and 1, got 2');
    expect(() => parseHellaSwag('\n\n{"ind": 1, "activity_label": "x", "ctx_a": "a", "ctx_b": "b", "endings": ["1", "2", "3"], "label": 0}', 'h.jsonl')).toThrow(
      'h.jsonl: line 3: field "endings" must hold 4 strings, has 3',
    );
    expect(() => parseMmlu('{"subject": "s", "question": "q", "choices": ["a", "b", "c", 4], "answer_index": 0}', 'm.jsonl')).toThrow('m.jsonl: line 1: field "choices[3]" must be a string, got number');
    expect(() => parseMmlu('{"subject": "s", "question": "q", "choices": ["a", "b", "c", "d"], "answer_index": 1, "answer": "C"}', 'm.jsonl')).toThrow(/field "answer" is "C" but answer_index 1 means "B"/);
    expect(() => parseNqOpen('{"question": "q", "answer": []}', 'nq.jsonl')).toThrow('nq.jsonl: line 1: field "answer" must hold at least 1 string(s), has 0');
    expect(() => parseSquad('{"id": "x", "title": "t", "context": "c", "question": "q", "answers": ["a"], "is_impossible": true}', 's.jsonl')).toThrow(
      's.jsonl: line 1: field "answers" must be empty when is_impossible is true',
    );
    expect(() => parseLambada('{"context": "a", "continuation": "b"}\n{"context": "a", "continuation": "b"', 'lam.jsonl')).toThrow(/lam.jsonl: line 2 is not valid JSON/);
    expect(() => parseLambada('[1, 2]', 'lam.jsonl')).toThrow('lam.jsonl: line 1: the record must be an object, got an array');
    expect(() => parseLambada('\n', 'lam.jsonl')).toThrow('lam.jsonl: holds no records');
  });

  it('JSON arrays: names the file, the record and the nested field', () => {
    const cf = JSON.parse(read('data/counterfact/counterfact_100.json')).slice(0, 2);
    cf[1].requested_rewrite.target_new.str = 7;
    expect(() => parseCounterFact(JSON.stringify(cf), 'cf.json')).toThrow('cf.json: record 1: field "requested_rewrite.target_new.str" must be a string, got number');
    cf[1].requested_rewrite = null;
    expect(() => parseCounterFact(JSON.stringify(cf), 'cf.json')).toThrow('cf.json: record 1: field "requested_rewrite" must be an object, got null');
    cf[1] = { ...cf[0], requested_rewrite: { ...cf[0].requested_rewrite, prompt: 'no brace' } };
    expect(() => parseCounterFact(JSON.stringify(cf), 'cf.json')).toThrow('cf.json: record 1: field "requested_rewrite.prompt" must contain exactly one "{}"');
    expect(() => parseCounterFact('{"a": 1}', 'cf.json')).toThrow('cf.json: expected a JSON array of records, got object');
    expect(() => parseCounterFact('[{', 'cf.json')).toThrow(/cf.json: is not valid JSON/);
    const z = JSON.parse(read('data/zsre/zsre_mend_eval_portability_200.json')).slice(0, 1);
    z[0].subject = 'Nowhere';
    expect(() => parseZsre(JSON.stringify(z), 'z.json')).toThrow(/z.json: record 0: field "subject" does not occur in "src"/);
    expect(() => parseMePpl('[{"Corpus": "c"}]', 'me.json')).toThrow('me.json: record 0: field "Text" is missing');
  });
});
