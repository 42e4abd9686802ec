// lab export easyedit: the YAML each method gets parses (with PyYAML, what
// EasyEdit reads it with) and its keys are exactly the fields of EasyEdit's
// hyper-parameter class (snapshot in tests/fixtures/easyedit); settings land
// in the right fields; what has no counterpart is said.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildEasyEditExport, localModelConfig } from '../cli/export-easyedit.ts';
import { CliError } from '../cli/args.ts';

const SNAPSHOT = JSON.parse(readFileSync(new URL('./fixtures/easyedit/hparams-fields.json', import.meta.url), 'utf8')) as {
  methods: Record<string, { commit: string; fields: string[] }>;
};
const PYTHON = '/usr/bin/python3';

/** Parse YAML documents with PyYAML's safe_load; returns each as JSON with Python type names. */
function pyYaml(docs: string[]): { value: Record<string, unknown>; types: Record<string, string> }[] {
  const script = `import json, sys, yaml
out = []
for d in json.load(sys.stdin):
    v = yaml.safe_load(d)
    out.append({"value": v, "types": {k: type(x).__name__ for k, x in v.items()}})
print(json.dumps(out))`;
  const r = spawnSync(PYTHON, ['-c', script], { input: JSON.stringify(docs), encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout);
}

const EDITS = [{ prompt: '{} plays the sport of', subject: 'LeBron James', target_new: 'football', target_true: 'basketball' }];
const experiment = (method: Record<string, unknown>, model = 'openai-community/gpt2-xl', extra: Record<string, unknown> = {}) => ({ version: 1, model, method, mode: 'sequential', edits: EDITS, ...extra });

const ALG_OF: Record<string, string> = { rome: 'ROME', 'c-rome': 'R-ROME', memit: 'MEMIT', 'ft-l': 'FT', alphaedit: 'AlphaEdit', mend: 'MEND' };

describe('EasyEdit hparams YAML', () => {
  it('has exactly the fields of EasyEdit’s class for every method and family, and PyYAML reads the numbers as numbers', async () => {
    const cases: { method: string; model: string; yaml: string }[] = [];
    for (const model of ['openai-community/gpt2-xl', 'meta-llama/Llama-2-7b-hf', 'EleutherAI/gpt-j-6b']) {
      for (const method of Object.keys(ALG_OF)) {
        const b = await buildEasyEditExport(experiment({ name: method }, model));
        cases.push({ method, model, yaml: b.files.get('hparams.yaml')! });
      }
    }
    const parsed = pyYaml(cases.map((c) => c.yaml));
    parsed.forEach(({ value, types }, i) => {
      const { method, model } = cases[i]!;
      const alg = ALG_OF[method]!;
      expect(SNAPSHOT.methods[alg]!.commit).toBeTruthy();
      expect(Object.keys(value).sort(), `${method} on ${model}`).toEqual([...SNAPSHOT.methods[alg]!.fields].sort());
      expect(value.alg_name).toBe(alg);
      expect(value.model_name).toBe(model);
      for (const k of ['v_lr', 'kl_factor', 'clamp_norm_factor', 'v_weight_decay', 'mom2_update_weight', 'lr', 'edit_lr', 'nullspace_threshold', 'L2']) {
        if (k in value) expect(types[k], `${method}.${k}`).toBe('float');
      }
    });
  });

  it('maps the settings field by field', async () => {
    const docs = await Promise.all([
      buildEasyEditExport(experiment({ name: 'rome', layer: 12, v_num_grad_steps: 7, v_lr: 0.25, v_weight_decay: 0.1, clamp_norm_factor: 3, kl_factor: 0.5, mom2_adjustment: false }, 'openai-community/gpt2-large')),
      buildEasyEditExport(experiment({ name: 'c-rome' })),
      buildEasyEditExport(experiment({ name: 'alphaedit', layers: [3, 4], nullspace_threshold: 0.05, L2: 20, batch_size: 4 }, 'gpt2')),
      buildEasyEditExport(experiment({ name: 'ft-l', layers: [0], lr: 0.001, num_steps: 5, norm_constraint: 1 })),
      buildEasyEditExport(experiment({ name: 'ft-l' })),
      buildEasyEditExport(experiment({ name: 'mend', edit_lr: 0.5, editor: 'https://example.org/mend.safetensors' }, 'gpt2')),
      buildEasyEditExport(experiment({ name: 'memit' }, 'gpt2-xl', { stats: { texts: 'wikitext2', max_tokens: 1000 } })),
    ]);
    const [rome, crome, alpha, ft, ftFree, mend, memit] = pyYaml(docs.map((d) => d.files.get('hparams.yaml')!)).map((p) => p.value);
    expect(rome).toMatchObject({ layers: [12], v_num_grad_steps: 7, v_lr: 0.25, v_weight_decay: 0.1, clamp_norm_factor: 3, kl_factor: 0.5, mom2_adjustment: false, v_loss_layer: 35, original_implementation: true, rewrite_module_tmp: 'transformer.h.{}.mlp.c_proj' });
    expect(crome).toMatchObject({ alg_name: 'R-ROME', layers: [17], original_implementation: false, enable_random_prefix_keys: true, enable_prompt_keys: false, v_loss_layer: 47 });
    expect(alpha).toMatchObject({ layers: [3, 4], nullspace_threshold: 0.05, L2: 20, batch_size: 4, clamp_norm_factor: 0.75, v_loss_layer: 11 });
    expect(ft).toMatchObject({ layers: [0], lr: 0.001, num_steps: 5, norm_constraint: 1, objective_optimization: 'prompt_last' });
    // Unset ε: the settings table's FT-L∞ default for the depth (GPT-2 XL: 5e-4, as EasyEdit's hparams/FT/gpt2-xl.yaml).
    expect(ftFree!.norm_constraint).toBe(5e-4);
    expect(mend).toMatchObject({ edit_lr: 0.5, archive: 'https://example.org/mend.safetensors', inner_params: ['transformer.h.11.mlp.c_proj.weight', 'transformer.h.11.mlp.c_fc.weight'] }); // the table's MEND layers for 12 layers: the last 3/48 of the depth, at least 1
    expect(memit).toMatchObject({ layers: [13, 14, 15, 16, 17], mom2_update_weight: 20000, mom2_dataset: 'wikitext', mom2_n_samples: 100000 });
    expect(docs[5]!.warnings.join('\n')).toMatch(/method\.editor .*not that format/);
    expect(docs[6]!.warnings.join('\n')).toMatch(/stats\.max_tokens 1000: no counterpart/);
  });

  it('says what has no counterpart, on stderr’s list and in the YAML header', async () => {
    const b = await buildEasyEditExport(
      experiment({ name: 'rome', context_templates: ['{}', 'Yes. {}'], template_seed: 4 }, 'openai-community/gpt2-xl', { stats: { ids: [[1, 2, 3]] }, eval: { tasks: { squad: 3, lambada: 2 } } }),
    );
    const all = b.warnings.join('\n');
    for (const what of ['method.context_templates', 'method.template_seed', 'stats.ids', 'eval.tasks.squad']) {
      expect(all).toContain(what);
      expect(b.files.get('hparams.yaml')!).toContain(what);
    }
    expect(b.files.has('tasks/lambada.jsonl')).toBe(true);
    expect(b.files.has('tasks/squad.jsonl')).toBe(false);
  });

  it('writes the requests in EasyEdit’s format and the ME-PPL texts', async () => {
    const b = await buildEasyEditExport(experiment({ name: 'rome' }, 'gpt2-xl', { eval: { texts: ['One text.', 'Two texts here.'] } }));
    expect(JSON.parse(b.files.get('requests.json')!)).toEqual([{ prompt: 'LeBron James plays the sport of', subject: 'LeBron James', target_new: 'football', ground_truth: 'basketball' }]);
    expect(JSON.parse(b.files.get('me_ppl.json')!)).toEqual(['One text.', 'Two texts here.']);
    const fifty = await buildEasyEditExport(experiment({ name: 'rome' }));
    expect(JSON.parse(fifty.files.get('me_ppl.json')!)).toHaveLength(50);
  });

  it('refuses what it cannot map, with a reason', async () => {
    await expect(buildEasyEditExport(experiment({ name: 'rome' }, 'someone/mystery-model'))).rejects.toThrow(/--arch/);
    await expect(buildEasyEditExport(experiment({ name: 'rome', layer: 40 }, 'gpt2'))).rejects.toThrow(/method\.layer must be between 0 and 11 \(gpt2 has 12 layers\)/);
    await expect(buildEasyEditExport(experiment({ name: 'grace' }))).rejects.toThrow(CliError);
    await expect(buildEasyEditExport({ ...experiment({ name: 'rome' }), edits: [] })).rejects.toThrow(/--counterfact N/);
    // A local folder's config.json gives them (the demo model: GPT-2, 4 layers).
    expect(localModelConfig({ model: 'public/models/tiny-gpt2' }, 'experiment.json')).toEqual({ arch: 'gpt2', nLayer: 4 });
    // Any causal LM exports once its family and depth are given.
    const b = await buildEasyEditExport(experiment({ name: 'rome' }, 'someone/mystery-model'), { arch: 'llama', nLayer: 40 });
    expect(pyYaml([b.files.get('hparams.yaml')!])[0]!.value).toMatchObject({ layers: [14], v_loss_layer: 39, rewrite_module_tmp: 'model.layers.{}.mlp.down_proj' });
  });
});
