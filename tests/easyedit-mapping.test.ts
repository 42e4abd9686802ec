// The export is driven by the settings table: every row has an EasyEdit
// target, every row a method reads lands in its class's field (or is said to
// have no counterpart), a row the method does not read is said to be
// ignored, and docs/easyedit.md's mapping table names every row.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildEasyEditExport, localModelConfig } from '../cli/export-easyedit.ts';
import { ARCHITECTURES } from '../cli/easyedit/architectures.ts';
import { classFieldName, EASYEDIT_CLASSES, inClass } from '../cli/easyedit/classes.ts';
import { toEasyEditHparams } from '../cli/easyedit/hparams.ts';
import { easyEditTarget } from '../cli/easyedit/mapping.ts';
import type { YamlValue } from '../cli/easyedit/yaml.ts';
import { parseExperiment } from '../models/experiment.ts';
import { METHOD_NAMES, type MethodName } from '../models/method-names.ts';
import { appliesTo, SETTINGS, withSetting, type SettingRow, type SettingValue } from '../models/settings-table.ts';
import { seededSample } from '../models/util/random.ts';

const SNAPSHOT = JSON.parse(readFileSync(new URL('./fixtures/easyedit/hparams-fields.json', import.meta.url), 'utf8')) as { methods: Record<string, { fields: string[] }> };
const EDITS = [{ prompt: '{} plays the sport of', subject: 'LeBron James', target_new: 'football', target_true: 'basketball' }];
const N_LAYER = 48;
const base = (name: MethodName) => parseExperiment({ version: 1, model: 'openai-community/gpt2-xl', method: { name }, mode: 'sequential', edits: EDITS });

/** A valid value of the row that differs from its default on GPT-2 XL. */
function otherValue(row: SettingRow, method: MethodName): SettingValue {
  const d = row.default({ method, nLayer: N_LAYER });
  const hi = Math.min(row.max ?? Infinity, row.maxForModel ? row.maxForModel(N_LAYER) : Infinity);
  switch (row.type) {
    case 'int':
      return d === hi ? hi - 1 : Math.min(hi, (typeof d === 'number' ? d : row.min ?? 0) + 1);
    case 'float':
      return typeof d === 'number' && d > 0 ? Math.min(hi, d / 2) : Math.min(hi, 0.5);
    case 'bool':
      return !d;
    case 'int-list':
      return [2, 3];
    case 'string':
      return 'https://example.org/editor';
    case 'enum':
      return row.choices!.find((c) => c !== d) ?? row.choices![0]!;
  }
}
const plain = (v: YamlValue): unknown => (Array.isArray(v) ? v.map(plain) : v && typeof v === 'object' ? v.float : v);

describe('export ← settings table', () => {
  it('every row of the table has an EasyEdit target, and every class field to be filled has a setting', () => {
    for (const row of SETTINGS) expect(easyEditTarget(row.key), row.key).not.toHaveProperty('unmapped');
    for (const m of METHOD_NAMES) {
      const hp = toEasyEditHparams(base(m));
      expect(Object.keys(hp.fields), m).toEqual(SNAPSHOT.methods[hp.alg_name]!.fields.filter((f) => f in hp.fields));
      expect(hp.warnings.filter((w) => !/^c-rome|method\.editor is unset/.test(w)), m).toEqual([]);
    }
  });

  it('a stated setting a method reads lands in its EasyEdit field, or is said to have no counterpart', () => {
    let checked = 0;
    for (const m of METHOD_NAMES) {
      const cls = EASYEDIT_CLASSES[m];
      const fieldsOfClass = SNAPSHOT.methods[cls.alg_name]!.fields;
      const ctx = { model: 'openai-community/gpt2-xl', arch: ARCHITECTURES.gpt2, nLayer: N_LAYER, lambda: 20000 };
      for (const row of SETTINGS) {
        if (row.key === 'method.name' || !row.key.startsWith('method.') && !row.key.startsWith('stats.')) continue;
        const target = easyEditTarget(row.key);
        const value = otherValue(row, m);
        const hp = toEasyEditHparams(parseExperiment(withSetting(base(m), row.key, value)));
        const reads = row.methods ? appliesTo(row, m) : target.kind === 'field' ? fieldsOfClass.includes(classFieldName(cls, target.field)) : target.kind === 'none' && target.onlyWith ? fieldsOfClass.includes(target.onlyWith) : true;
        const said = hp.warnings.filter((w) => w.startsWith(`${row.key} `));
        if (!reads) {
          expect(said, `${m} ${row.key}`).toEqual([expect.stringMatching(/: not a setting of .*; ignored$/)]);
        } else if (target.kind === 'field') {
          const [field, written] = inClass(cls, target.field, target.write ? target.write(value) : (value as YamlValue), ctx);
          const expected = plain(written);
          expect(plain(hp.fields[field]!), `${m} ${row.key} → ${field}`).toEqual(expected);
          expect(said.filter((w) => /ignored|no counterpart/.test(w)), `${m} ${row.key}`).toEqual([]);
        } else if (target.kind === 'none') {
          expect(said, `${m} ${row.key}`).toEqual([expect.stringContaining(`: no counterpart; ${target.why}`)]);
        }
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(100);
  });

  it('unset settings take the official values for known non-GPT-2 models, else the table’s defaults for the depth', () => {
    const on = (name: MethodName, model: string, opts = {}) => toEasyEditHparams(parseExperiment({ ...base(name), model }), opts).fields;
    expect(on('rome', 'EleutherAI/gpt-j-6b').layers).toEqual([5]);
    expect(on('memit', 'EleutherAI/gpt-j-6b')).toMatchObject({ layers: [3, 4, 5, 6, 7, 8], mom2_update_weight: { float: 15000 } });
    expect(on('mend', 'meta-llama/Llama-2-7b-hf').inner_params).toEqual([29, 30, 31].flatMap((l) => ['gate', 'up', 'down'].map((p) => `model.layers.${l}.mlp.${p}_proj.weight`)));
    expect(on('alphaedit', 'meta-llama/Llama-2-7b-hf')).toMatchObject({ layers: [4, 5, 6, 7, 8], mom2_update_weight: { float: 15000 }, L2: { float: 10 } });
    // GPT-2 XL: the table's defaults, which are the official configs.
    expect(on('memit', 'gpt2-xl')).toMatchObject({ layers: [13, 14, 15, 16, 17], mom2_update_weight: { float: 20000 }, clamp_norm_factor: { float: 0.75 } });
    // A model we have no config for: the table's depth-relative defaults (ROME: 17/48 of 40 layers → 14).
    expect(on('rome', 'someone/model', { arch: 'llama', nLayer: 40 }).layers).toEqual([14]);
    // A local folder naming its edit layer (config.json butterfly_lab.edit_layer): the table's layers sit there, as in the Lab.
    const dir = mkdtempSync(join(tmpdir(), 'edit-layer-'));
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ model_type: 'gpt2', n_layer: 12, butterfly_lab: { edit_layer: 3 } }));
    const local = localModelConfig({ model: dir }, join(dir, 'experiment.json'));
    expect(local).toEqual({ arch: 'gpt2', nLayer: 12, editLayer: 3 });
    expect(on('rome', dir, local!).layers).toEqual([3]);
    expect(on('memit', dir, local!).layers).toEqual([2, 3]);
    // Stated values win over official ones.
    expect(toEasyEditHparams(parseExperiment({ ...base('rome'), model: 'EleutherAI/gpt-j-6b', method: { name: 'rome', layer: 9 } })).fields.layers).toEqual([9]);
  });

  it('draws the task subsets with eval.seed, as the lab does', async () => {
    const exp = (seed?: number) => ({ ...base('rome'), eval: { tasks: { piqa: 5 }, ...(seed === undefined ? {} : { seed }) } });
    const [d0, d7] = await Promise.all([buildEasyEditExport(exp()), buildEasyEditExport(exp(7))]);
    const labels = (b: typeof d0) => b.files.get('tasks/piqa.jsonl')!.trim().split('\n').map((l) => JSON.parse(l).context);
    expect(JSON.parse(d7.files.get('run_config.json')!).seed).toBe(7);
    expect(JSON.parse(d0.files.get('run_config.json')!).seed).toBe(0);
    expect(labels(d7)).not.toEqual(labels(d0));
    expect(seededSample(100, 5, 7)).not.toEqual(seededSample(100, 5, 0));
  });

  it('docs/easyedit.md maps every setting of the table to the field the export writes', () => {
    const doc = readFileSync(new URL('../docs/easyedit.md', import.meta.url), 'utf8');
    const rows = new Map(
      doc
        .split('\n')
        .filter((l) => l.startsWith('| `'))
        .map((l) => [l.split('|')[1]!.trim().replace(/`/g, ''), l] as const),
    );
    for (const row of SETTINGS) {
      const key = row.key.startsWith('eval.tasks.') ? 'eval.tasks.<id>' : row.key;
      const line = rows.get(key);
      expect(line, `docs/easyedit.md has no row for ${key}`).toBeDefined();
      const t = easyEditTarget(row.key);
      if (t.kind === 'field') for (const m of METHOD_NAMES.filter((m) => appliesTo(row, m))) expect(line, key).toContain(`\`${classFieldName(EASYEDIT_CLASSES[m], t.field)}`);
      if (t.kind === 'none') expect(line, key).toContain('no counterpart');
      if (t.kind === 'run') expect(line, key).toContain('run.py');
    }
  });
});
