"""Gather the storage pilots (training/storage-pilots.sh) into training/results/storage-pilots.json for the
model card: each pilot's flags, its last recall measurement and its ROME probe runs (summaries, no per-case rows)."""
import glob, json, os

out = []
for d in sorted(glob.glob('training/work-pilot*')):
    log = [json.loads(l) for l in open(os.path.join(d, 'log.txt')) if l.startswith('{')] if os.path.exists(os.path.join(d, 'log.txt')) else []
    probe = json.load(open(os.path.join(d, 'probe.json')))['runs'] if os.path.exists(os.path.join(d, 'probe.json')) else []
    # probe-drop.json: the probe run with PROBE_MLP_LAYERS set to the pilot's --mlp-fact-layers (inference as trained)
    if os.path.exists(os.path.join(d, 'probe-drop.json')):
        probe += [{**r, 'mode': 'as trained'} for r in json.load(open(os.path.join(d, 'probe-drop.json')))['runs']]
    # probe-drop-1t.json: the same with the bare prompt as the only context template
    if os.path.exists(os.path.join(d, 'probe-drop-1t.json')):
        probe += [{**r, 'mode': 'as trained, one template'} for r in json.load(open(os.path.join(d, 'probe-drop-1t.json')))['runs']]
    if not log:
        continue
    out.append({'pilot': d.split('work-pilot')[1], 'flags': open(os.path.join(d, 'flags.txt')).read().strip(),
                'steps': log[-1]['step'], 'recall_trained': log[-1]['recall_trained'], 'recall_heldout': log[-1]['recall_heldout'],
                'probe': [{k: r[k] for k in ('layer', 'knobs', 'rewrite_acc', 'rephrase_acc', 'locality', 'stuck', 'at_clamp', 'mode') if k in r} for r in probe]})
json.dump({'requests': 15, 'pilots': out}, open('training/results/storage-pilots.json', 'w'), indent=1)
print(json.dumps(out, indent=1)[:3000])
