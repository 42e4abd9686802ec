// Where each setting of the lab's settings table (models/settings-table.ts)
// goes in an EasyEdit run: an EasyEdit hyper-parameter field, run.py's own
// config, or nowhere (said, with the reason, whenever an experiment sets it).
// One entry per table row: the export walks the table through this map, so a
// new row without an entry fails the export's tests instead of being dropped.
// docs/easyedit.md holds the same mapping as a table (a test compares them).
import type { SettingValue } from '../../models/settings-table.ts';
import type { YamlValue } from './yaml.ts';

export type Target =
  /** An EasyEdit hyper-parameter field, and how the lab's value is spelled there (a class may rename it: classes.ts). */
  | { kind: 'field'; field: string; write?: (v: SettingValue) => YamlValue }
  /** run.py's inputs: the export writes it there (me_ppl.json, tasks/, run_config.json, --mode). */
  | { kind: 'run'; where: string }
  /** No EasyEdit counterpart: why. `onlyWith`: the setting concerns a class only when it has that field (statistics). */
  | { kind: 'none'; why: string; onlyWith?: string; unmapped?: true };

const float = (v: SettingValue): YamlValue => ({ float: v as number });
const same = (field: string, write?: (v: SettingValue) => YamlValue): Target => ({ kind: 'field', field, write });

/** The lab's statistics corpora → EasyEdit's layer_stats datasets ("wikipedia" or "wikitext", Hugging Face datasets). */
export const STATS_DATASETS: Record<string, string> = { wikitext2: 'wikitext', wikitext: 'wikitext', wikipedia: 'wikipedia' };

const FIXED: Record<string, Target> = {
  'method.name': { kind: 'field', field: 'alg_name' }, // written by the class table (cli/easyedit/classes.ts)
  mode: { kind: 'run', where: 'run.py --mode (default: the experiment\'s)' },
  'method.layer': same('layers', (v) => [v as number]),
  'method.layers': same('layers'), // MEND's class names weights instead (classes.ts: its `renames`)
  'method.v_num_grad_steps': same('v_num_grad_steps'),
  'method.v_lr': same('v_lr', float),
  'method.v_weight_decay': same('v_weight_decay', float),
  'method.clamp_norm_factor': same('clamp_norm_factor', float),
  'method.kl_factor': same('kl_factor', float),
  'method.mom2_adjustment': same('mom2_adjustment'),
  'method.template_seed': { kind: 'none', why: 'EasyEdit samples its context-template prefixes from the model with its own global seed (42)' },
  'method.mom2_update_weight': same('mom2_update_weight', float),
  'method.nullspace_threshold': same('nullspace_threshold', float),
  'method.L2': same('L2', float),
  'method.batch_size': same('batch_size'),
  'method.lr': same('lr', float),
  'method.num_steps': same('num_steps'),
  'method.norm_constraint': same('norm_constraint', float),
  'method.editor': same('archive'),
  'method.edit_lr': same('edit_lr', float),
  'stats.texts': same('mom2_dataset', (v) => STATS_DATASETS[v as string] ?? 'wikipedia'),
  'stats.max_tokens': { kind: 'none', why: "EasyEdit's mom2_n_samples counts texts, not tokens; it stays 100000", onlyWith: 'mom2_dataset' },
  'eval.texts': { kind: 'run', where: 'me_ppl.json' },
  'eval.collapse_factor': { kind: 'run', where: 'run_config.json collapse_factor' },
  'eval.seed': { kind: 'run', where: "run_config.json seed (each task's subsample in tasks/ is drawn with it)" },
};

/**
 * The target of a settings-table key. A row added to the table without an
 * entry here is a gap the tests catch (tests/easyedit-mapping.test.ts); until
 * then the export says so for an experiment that sets it, instead of failing.
 */
export function easyEditTarget(key: string): Target {
  if (key.startsWith('eval.tasks.')) return { kind: 'run', where: `tasks/${key.slice('eval.tasks.'.length)}.jsonl` };
  return FIXED[key] ?? { kind: 'none', why: 'the export has no EasyEdit mapping for this setting yet (cli/easyedit/mapping.ts)', unmapped: true };
}


/** Settings the experiment states outside the table (parsed by hand in experiment.ts), and why they have no counterpart. */
export const UNMAPPED_BY_HAND = {
  'method.context_templates': 'EasyEdit samples its own prefixes from the model (context_template_length_params)',
  'stats.ids': 'EasyEdit computes C from mom2_dataset',
} as const;
