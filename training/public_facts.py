"""The demo model's facts.json as it ships: each fact's subject, relation, prompt,
target and source, the phrasings it was trained on and the held-out ones (token
ids dropped: the tokenizer gives them back).

    python3 training/public_facts.py training/work/facts.json public/models/demo-gpt2/facts.json
"""
import json, sys

src, dst = sys.argv[1], sys.argv[2]
facts = json.load(open(src))['facts']
keep = ('id', 'subject', 'relation_id', 'prompt', 'target', 'source', 'case_id', 'trained', 'heldout')
out = {'version': 1, 'note': 'Facts the demo model was trained on: "trained" phrasings were in its training data, "heldout" ones never were.',
       'facts': [{k: f[k] for k in keep if k in f} for f in facts]}
with open(dst, 'w') as fh:
    json.dump(out, fh, separators=(',', ':'))
    fh.write('\n')
print(f'{len(facts)} facts -> {dst}')
