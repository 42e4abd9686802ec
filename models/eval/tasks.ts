// The downstream tasks by id: where each one's data lives (under public/),
// how to read it, and how to score items of it. The Lab subsamples items
// (seeded) before scoring; the CLI may score everything.
import { parseHellaSwag, type HellaSwagItem } from '../data/hellaswag.ts';
import { parseLambada, type LambadaItem } from '../data/lambada.ts';
import { parseMmlu, type MmluItem } from '../data/mmlu.ts';
import { parseNqOpen, type NqOpenItem } from '../data/nq-open.ts';
import { parsePiqa, type PiqaItem } from '../data/piqa.ts';
import { parseSquad, type SquadItem } from '../data/squad.ts';
import type { Gpt2Tokenizer } from '../tokenizer/gpt2-tokenizer.ts';
import { scoreHellaSwag } from './hellaswag.ts';
import { scoreLambada } from './lambada.ts';
import { scoreMmlu } from './mmlu.ts';
import { scoreNqOpen } from './nq-open.ts';
import { scorePiqa } from './piqa.ts';
import { scoreSquad } from './squad.ts';
import { TASK_INFO } from './task-info.ts';
import { asScoringModel, type ModelLike, type ReadAsset, type TaskResult } from './task-types.ts';

export interface TaskDefinition<Item = unknown> {
  id: string;
  label: string;
  /** The data file under public/. */
  path: string;
  /** What the headline number is. */
  metric: 'acc' | 'em';
  load(readAsset: ReadAsset, signal?: AbortSignal): Promise<Item[]>;
  score(model: ModelLike, tok: Gpt2Tokenizer, items: readonly Item[], signal?: AbortSignal, onProgress?: (fraction: number) => void): Promise<TaskResult>;
}

function task<Item>(
  id: keyof typeof TASK_INFO,
  path: string,
  parse: (text: string, file: string) => Item[],
  scorer: (lm: ReturnType<typeof asScoringModel>, tok: Gpt2Tokenizer, items: readonly Item[], opts: { signal?: AbortSignal; onProgress?: (f: number) => void }) => Promise<TaskResult>,
): TaskDefinition<Item> {
  const { label, metric } = TASK_INFO[id];
  return {
    id,
    label,
    path,
    metric,
    load: async (readAsset, signal) => parse(await readAsset(path, signal), path),
    score: (model, tok, items, signal, onProgress) => scorer(asScoringModel(model), tok, items, { signal, onProgress }),
  };
}

export const TASKS = {
  lambada: task<LambadaItem>('lambada', 'data/lambada/lambada_openai_test.jsonl', parseLambada, scoreLambada),
  piqa: task<PiqaItem>('piqa', 'data/piqa/piqa_valid.jsonl', parsePiqa, scorePiqa),
  hellaswag: task<HellaSwagItem>('hellaswag', 'data/hellaswag/hellaswag_val_1000.jsonl', parseHellaSwag, scoreHellaSwag),
  mmlu: task<MmluItem>('mmlu', 'data/mmlu/mmlu_test_10_per_subject.jsonl', parseMmlu, scoreMmlu),
  nq: task<NqOpenItem>('nq', 'data/nq_open/NQ-open.dev.jsonl', parseNqOpen, scoreNqOpen),
  squad: task<SquadItem>('squad', 'data/squad_v2/squad_v2_dev_normans.jsonl', parseSquad, scoreSquad),
} satisfies Record<string, TaskDefinition<unknown>>;

export type TaskId = keyof typeof TASKS;
export const TASK_IDS = Object.keys(TASKS) as TaskId[];

/** The task for an id, type-erased for callers that hold ids as strings. */
export function taskById(id: string): TaskDefinition | null {
  return Object.hasOwn(TASKS, id) ? TASKS[id as TaskId] : null;
}

/** "lambada:50,piqa:50" → { lambada: 50, piqa: 50 }; errors name the bad part. */
export function parseTaskList(spec: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const part of spec.split(',').map((s) => s.trim()).filter(Boolean)) {
    const m = /^([a-z0-9_-]+):(\d+)$/.exec(part);
    if (!m) throw new Error(`task "${part}" is not id:size (e.g. lambada:50)`);
    if (!taskById(m[1]!)) throw new Error(`unknown task "${m[1]}" (known: ${TASK_IDS.join(', ')})`);
    out[m[1]!] = Number(m[2]);
  }
  return out;
}
