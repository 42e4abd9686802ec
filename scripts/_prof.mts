import { nodeGpuContext } from '../models/gpu/node-gpu.ts';
import { Lab } from '../models/lab.ts';
import { resolveModel } from '../cli/model-source.ts';
import { nodeLabEnv } from '../cli/node-env.ts';
import { COUNTERFACT_PATHS } from '../models/data/datasets.ts';
import { counterFactEdit, parseCounterFact } from '../models/data/counterfact.ts';
const env = nodeLabEnv();
const lab = new Lab(await nodeGpuContext(), env);
let t = performance.now();
const lap = (s: string) => { const n = performance.now(); console.log(s, ((n - t) / 1000).toFixed(1), 's'); t = n; };
const M = 'public/models/demo-gpt2';
await lab.loadModel(resolveModel(M));
lap('load');
const texts = process.argv[2] ?? 'me-ppl-50';
await lab.configure({ method: { name: 'rome', layer: 0 }, mode: 'single', stats: { npz: M + '/stats/layer0_mom2.npz' }, eval: { texts, tasks: {}, collapse_factor: 10, seed: 0 } } as any, { prepare: true });
lap('configure+baseline+templates');
const recs = parseCounterFact(await env.readAsset(COUNTERFACT_PATHS['counterfact-500']!), 'x').filter((r) => process.argv[3]!.split(',').map(Number).includes(r.case_id));
const out = [];
for (const r of recs) { const p = await lab.previewFact(counterFactEdit(r)); out.push([r.case_id, p.subjectAtStart, p.denominator, p.topPrediction.token, r.requested_rewrite.target_true.str]); }
lap(`preview x${recs.length}`);
console.log(JSON.stringify(out));
for (const m of ['rome', 'c-rome']) {
  await lab.configure({ method: { name: m, layer: 0 }, mode: 'single', stats: { npz: M + '/stats/layer0_mom2.npz' }, eval: { texts, tasks: {}, collapse_factor: 10, seed: 0 } } as any, { prepare: true });
  for (const r of recs) { try { const s = await lab.applyEdit(counterFactEdit(r)); lap(m + ' edit ' + r.case_id + ' ' + s.metrics.me_ppl.toFixed(0) + ' ' + JSON.stringify(s.diagnostics).slice(0, 300)); } catch (e) { lap(m + ' ' + r.case_id + ' fail ' + (e as Error).message); } lab.reset(); }
}
