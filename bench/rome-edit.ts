// One ROME edit, timed and counted by stage (bench/edit-stages.ts): key
// statistics and their Cholesky factor (excluded from the edit time and
// reported beside it: once per layer), k̄ (keys), v* (optimisation), the
// solve C⁻¹k̄ and the rank-one update. Node + Dawn.
//   npx tsx bench/rome-edit.ts [--shape tiny|small] [--stats-tokens N] [--steps N]
import { romeHparams } from '../models/editing/rome-hparams.ts';
import { editBenchSetup } from './edit-setup.ts';
import { editStages } from './edit-stages.ts';

const { shape, statsTokens, steps, ctx, tok, model } = await editBenchSetup();
const hp = romeHparams(model.config.nLayer, { v_num_grad_steps: steps });
const request = { prompt: '{} plays the sport of', subject: 'LeBron James', target_new: 'football' };
const templates = ['{}', 'The following is true. {}', 'Therefore, it is known that {}', 'I read that {}', 'You know, {}'];
const { stages, vStarSteps } = await editStages(model, tok, request, hp, { statsTokens, templates, generateTemplates: false });

const edit = stages.filter((s) => s.per === 'edit').reduce((a, s) => a + s.seconds, 0);
console.log(`\nROME edit at ${shape} shape (d=${model.config.nEmbd}, ${model.config.nLayer} layers, layer ${hp.layer}), ${ctx.gpu.info.description}, ${steps} v* steps (${vStarSteps} run), key statistics over ${statsTokens} tokens\n`);
console.log('| stage | seconds | share of the edit | dispatches | read-backs | buffers created |\n| --- | --- | --- | --- | --- | --- |');
for (const s of stages) {
  const share = s.per === 'edit' ? `${((100 * s.seconds) / edit).toFixed(1)}%` : `once per ${s.per}`;
  console.log(`| ${s.stage} | ${s.seconds.toFixed(3)} | ${share} | ${s.counters.dispatches} | ${s.counters.readbacks} | ${s.counters.buffersCreated} |`);
}
console.log(`| **edit, statistics excluded** | **${edit.toFixed(3)}** | 100% | | | |`);
process.exit(0);
