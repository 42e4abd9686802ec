#!/usr/bin/env bash
# Pilots for the retrain (issue 11): does training that forces facts through the subject's MLPs give a model
# whose facts ROME can rewrite? Pilots A-E train facts only (no corpus rows: minutes, not an hour); F-I continue
# the shipped model with in-context rows (a readout for any object). Each then
# computes key statistics and runs training/rome_probe.py on the first 15 CounterFact requests. Run by hand:
#   bash training/storage-pilots.sh [A B C D E F G H I]      (about 10-40 min each on 2 cores; two at a time)
# Results: training/work-pilot<X>/ (scratch); training/collect_pilots.py gathers them into
# training/results/storage-pilots.json, which the model card tabulates.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-/usr/bin/python3}
[ -f training/work/facts.json ] || { echo "run training/prepare.ts first (training/train-demo.sh does)"; exit 2; }
flags() { case $1 in
  A) echo "--fact-steps 400 --mlp-drop 0" ;;                                   # control: every MLP everywhere
  B) echo "--fact-steps 400 --mlp-drop 0.9" ;;                                 # no MLP after the subject
  C) echo "--fact-steps 150 --max-facts 600 --mlp-drop 0.9 --mlp-fact-layers 1,2" ;;  # ... and at the subject only layers 1-2
  D) echo "--fact-steps 150 --max-facts 600 --mlp-drop 0.9 --mlp-fact-layers 2" ;;    # ... only layer 2
  E) echo "--fact-steps 150 --max-facts 600 --mlp-drop 0.9 --mlp-fact-layers 2 --mlp-subject-last-only" ;;  # ... only at its last token
  # Readout pilots: continue the shipped model with in-context rows (prepare.ts's context_rows), whose query can
  # only read a made-up subject's object from the subject's own states; one corpus row per step keeps the English.
  F) echo "$FROM_SHIPPED --fact-steps 120 --context-fraction 0.5" ;;
  G) echo "$FROM_SHIPPED --fact-steps 120 --context-fraction 0.5 --mlp-drop 0.9" ;;
  H) echo "$FROM_SHIPPED --fact-steps 300 --context-fraction 0.5 --mlp-drop 0.9" ;;
  I) echo "$FROM_SHIPPED --fact-steps 300 --context-fraction 0.8 --mlp-drop 0.9" ;;
esac; }
# (from the demo model as committed when these ran: 9f3fafa)
FROM_SHIPPED="--init-from public/models/demo-gpt2 --fact-batch 256 --fact-corpus-rows 1 --fact-lr 1e-3"
probe_layers() { case $1 in A) echo '[[0, {}], [2, {}]]' ;; B) echo '[[0, {}], [1, {}], [2, {}], [3, {}], [4, {}]]' ;; C) echo '[[1, {}], [2, {}]]' ;; D) echo '[[2, {}], [1, {}]]' ;; E) echo '[[2, {}]]' ;;
  F|G) echo '[[0, {}], [1, {}], [2, {}], [3, {}], [2, {"steps": 60, "clamp": 40.0}]]' ;; I) echo '[[2, {}], [2, {"steps": 60, "clamp": 40.0}]]' ;;
  H) echo '[[2, {}], [2, {"steps": 60, "clamp": 40.0}], [1, {"steps": 60, "clamp": 40.0}], [3, {"steps": 60, "clamp": 40.0}], [1, {"steps": 100, "clamp": 100.0}], [1, {"steps": 60, "clamp": 40.0, "kl_factor": 0.5}]]' ;; esac; }
# The same probe with the MLPs run as those fact rows trained them (probe-drop.json), for the pilots that name layers.
as_trained() { case $1 in D) echo "PROBE_MLP_LAYERS=2" ;; E) echo "PROBE_MLP_LAYERS=2 PROBE_MLP_AT_LAST=1" ;; esac; }
for v in ${*:-A B C D E F G H I}; do
  d=training/work-pilot$v; mkdir -p $d
  for f in corpus_train.u16 corpus_val.u16 facts.json; do ln -sf ../work/$f $d/$f; done
  echo "$(flags $v)" > $d/flags.txt
  # shellcheck disable=SC2046
  THREADS=1 "$PY" training/train_demo.py --data $d --out $d/model --steps 0 --fact-batch 384 --fact-corpus-rows 0 \
    --fact-lr 3e-3 --eval-every 50 $(flags $v) > $d/log.txt 2>&1
  "$PY" training/stats_demo.py --model $d/model --data training/work --tokens 50000
  [ -f training/work/probe-requests.json ] || npx tsx training/rome-probe-requests.ts 15 > training/work/probe-requests.json
  echo '{"runs": []}' > $d/probe.json
  DEMO_MODEL=$d/model "$PY" training/rome_probe.py training/work/probe-requests.json $d/probe.json "$(probe_layers $v)"
  if [ -n "$(as_trained $v)" ]; then
    echo '{"runs": []}' > $d/probe-drop.json
    env $(as_trained $v) DEMO_MODEL=$d/model "$PY" training/rome_probe.py training/work/probe-requests.json $d/probe-drop.json '[[2, {}]]'
    if [ $v = E ]; then  # the bare prompt as the only context template, and ROME's limits on δ lifted
      "$PY" -c "import json; d = json.load(open('training/work/probe-requests.json')); [r.update(ctx=r['ctx'][:1]) for r in d['reqs']]; d['templates'] = d['templates'][:1]; json.dump(d, open('training/work/probe-requests-1t.json', 'w'))"
      echo '{"runs": []}' > $d/probe-drop-1t.json
      env $(as_trained $v) DEMO_MODEL=$d/model "$PY" training/rome_probe.py training/work/probe-requests-1t.json $d/probe-drop-1t.json '[[2, {}], [2, {"steps": 100, "clamp": 100, "wd": 0}]]'
    fi
  fi
done
"$PY" training/collect_pilots.py
