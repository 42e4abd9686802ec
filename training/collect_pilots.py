"""Gather the storage pilots (training/storage-pilots.sh) into training/results/storage-pilots.json for the
model card: each pilot's flags, its last recall measurement and its ROME probe runs (summaries, no per-case rows)."""
import glob, json, os

# The probe files a pilot may have, and whether the probe ran the MLPs as the pilot's fact rows trained them.
PROBES = (('probe.json', False), ('probe-drop.json', True), ('probe-drop-1t.json', True))
KEEP = ('layer', 'knobs', 'rewrite_acc', 'rephrase_acc', 'locality', 'stuck', 'at_clamp')

# Pilots whose scratch folder is not on this machine keep their committed entries.
OUT = 'training/results/storage-pilots.json'
committed = json.load(open(OUT)) if os.path.exists(OUT) else {'pilots': []}
kept = committed['pilots']
out, requests = [], set()
for d in sorted(glob.glob('training/work-pilot*')):
    path = lambda name: os.path.join(d, name)  # noqa: E731
    if not os.path.exists(path('log.txt')):
        continue
    log = [json.loads(l) for l in open(path('log.txt')) if l.startswith('{')]
    if not log:
        continue
    probe = []
    for name, as_trained in PROBES:
        if os.path.exists(path(name)):
            p = json.load(open(path(name)))
            if p['runs']:
                requests.add(p['requests'])
            probe += [{**{k: r[k] for k in KEEP}, 'as_trained': as_trained, 'templates': len(p['templates'])} for r in p['runs']]
    out.append({'pilot': d.split('work-pilot')[1], 'flags': open(path('flags.txt')).read().strip(), 'steps': log[-1]['step'],
                'recall_trained': log[-1]['recall_trained'], 'recall_heldout': log[-1]['recall_heldout'],
                'val_ppl': log[-1]['val_ppl'], 'probe': probe})
if kept:
    requests.add(committed['requests'])
assert len(requests) == 1, f'the pilots were probed on different request counts: {requests}'
here = {x['pilot'] for x in out}
out = sorted([x for x in kept if x['pilot'] not in here] + out, key=lambda x: x['pilot'])
json.dump({'requests': requests.pop(), 'pilots': out}, open(OUT, 'w'), indent=1)
print(f'{len(out)} pilots ({len(here)} from this machine) -> {OUT}')
