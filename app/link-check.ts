// What a shared or saved experiment asks of this browser, before anything
// runs: its settings held against the settings form's own limits (the
// settings table's, through parseDraft), and a rough time estimate, so that a costly link asks
// first. Pure logic.
import { romeHparams } from '../models/editing/rome-hparams.ts';
import { GPT2_PRESETS } from '../models/gpt2/presets.ts';
import type { Experiment } from '../models/experiment.ts';
import { settingsFromExperiment } from './experiment-settings.ts';
import { BUNDLED_PARAMETER_COUNTS } from './model-location.ts';
import { settingRow } from '../models/settings-table.ts';
import { defaultSettings, draftOf, parseDraft } from './settings.ts';

/** A model's layers are unknown before it loads: the engine checks the layer then. */
const ANY_LAYER_COUNT = 1024;
/** Unset rows are filled with GPT-2 XL's defaults: always within the form's limits (a fictitious 1024-layer default, e.g. MEMIT's span of 107 layers, is not). */
const DEFAULTS_DEPTH = 48;

/**
 * The experiment's settings that the settings form would refuse, as
 * "v* steps 10000: between 1 and 1000". Empty when the form accepts them all.
 */
export function settingsProblems(exp: Experiment): string[] {
  const settings = settingsFromExperiment(exp, defaultSettings(DEFAULTS_DEPTH, exp.method.name));
  const draft = draftOf(settings, DEFAULTS_DEPTH);
  const { errors } = parseDraft(draft, ANY_LAYER_COUNT, settings);
  return Object.entries(errors).map(([key, error]) => `${settingRow(key).label} ${draft[key]}: ${error}`);
}

export interface ReplayEstimate {
  /** Rough wall time of the whole replay, or null when the model's size is unknown (a local folder). */
  seconds: number | null;
  edits: number;
  /** v* optimisation steps over all edits. */
  vSteps: number;
}

/**
 * Seconds per parameter for one v* step on one prompt, and for one scored
 * token, measured on a software adapter (README, Performance: 0.12 s per step
 * and prompt at the demo's size, 3.2 s at GPT-2 small's; ME-PPL_50 in 226 s at
 * GPT-2 small; statistics below). A hardware GPU is taken as 30 times faster. Rough by design:
 * it decides whether to ask, and tells the order of magnitude.
 */
const SOFTWARE_STEP_S_PER_PARAM = 3e-8;
const SOFTWARE_TOKEN_S_PER_PARAM = 1.4e-9;
/** Key statistics: 20,000 tokens in 32 s at the demo's size. */
const SOFTWARE_STATS_TOKEN_S_PER_PARAM = 4.7e-10;
const HARDWARE_SPEEDUP = 30;
/** Tokens scored per evaluation point: dataset sizes, a LAMBADA item, a statistics token. */
const DATASET_TOKENS: Record<string, number> = { 'me-ppl-50': 1_328, 'me-ppl-1k': 26_600, 'me-ppl-10k': 266_000 };
const TOKENS_PER_LAMBADA_ITEM = 80;
/** ROME generates 21 context templates unless the experiment lists its own; one KL prompt more. */
const GENERATED_TEMPLATES = 21;

export function parameterCountOf(model: string): number | null {
  // Own keys only: a link's model string could be "constructor".
  if (Object.hasOwn(BUNDLED_PARAMETER_COUNTS, model)) return BUNDLED_PARAMETER_COUNTS[model]!;
  return GPT2_PRESETS.find((p) => p.hfRepo === model || p.id === model)?.parameterCount ?? null;
}

export function estimateReplay(exp: Experiment, software: boolean): ReplayEstimate {
  const params = parameterCountOf(exp.model);
  const steps = exp.method.v_num_grad_steps ?? romeHparams(12, exp.method).v_num_grad_steps;
  const prompts = (exp.method.context_templates?.length ?? GENERATED_TEMPLATES) + 1;
  const edits = exp.edits.length;
  const vSteps = edits * steps;
  if (params === null) return { seconds: null, edits, vSteps };
  const texts = exp.eval?.texts;
  const evalTokens =
    (typeof texts === 'string' ? (DATASET_TOKENS[texts] ?? 1_328) : Array.isArray(texts) ? texts.reduce((n, t) => n + t.length / 4, 0) : 1_328) +
    Object.values(exp.eval?.tasks ?? {}).reduce((n, items) => n + items * TOKENS_PER_LAMBADA_ITEM, 0);
  const statsTokens = exp.stats && 'texts' in exp.stats ? (exp.stats.max_tokens ?? 20_000) : 0;
  const slow = software ? 1 : 1 / HARDWARE_SPEEDUP;
  const perEdit = steps * prompts * SOFTWARE_STEP_S_PER_PARAM * params + evalTokens * SOFTWARE_TOKEN_S_PER_PARAM * params;
  const seconds = slow * (edits * perEdit + evalTokens * SOFTWARE_TOKEN_S_PER_PARAM * params + statsTokens * SOFTWARE_STATS_TOKEN_S_PER_PARAM * params);
  return { seconds, edits, vSteps };
}

/** A replay longer than this asks first. */
export const CONFIRM_REPLAY_SECONDS = 60;

/**
 * Whether a link's replay asks first. Not when this browser saved the
 * experiment's points (a reload of one's own tab): they show at once and the
 * replay only verifies them, in the background and cancellable.
 */
export function needsConfirmation(e: ReplayEstimate, savedPoints = false): boolean {
  if (savedPoints) return false;
  return e.seconds === null ? e.vSteps > 0 : e.seconds > CONFIRM_REPLAY_SECONDS;
}

export function formatDuration(seconds: number): string {
  if (seconds < 90) return `about ${Math.max(1, Math.round(seconds))} seconds`;
  if (seconds < 90 * 60) return `about ${Math.round(seconds / 60)} minutes`;
  if (seconds < 48 * 3600) return `about ${Math.round(seconds / 3600)} hours`;
  return `about ${Math.round(seconds / 86_400)} days`;
}
