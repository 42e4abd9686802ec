#!/usr/bin/env bash
# After training: everything the demo model's folder ships besides its weights,
# each measured with the project's own engine. Run by hand, never by CI:
#   bash training/finish-demo.sh            (all steps)
#   bash training/finish-demo.sh mine sweep (some steps)
# Steps: stats facts trace eval mine sweep sweep-layer seq card (seq: SEQ_METHODS, SEQ_EDITS). Results land in training/results/
# (the model card is written from them; nothing in it is typed by hand).
set -euo pipefail
cd "$(dirname "$0")/.."
M=public/models/demo-gpt2
R=training/results
PY=${PYTHON:-/usr/bin/python3}
export VK_ICD_FILENAMES=${VK_ICD_FILENAMES:-/usr/lib/chromium/vk_swiftshader_icd.json}
LAB="npx tsx cli/main.ts"
mkdir -p "$R"
# The edit layer causal tracing picked (the trace step writes it).
layer() { node -p "JSON.parse(require('fs').readFileSync('$R/trace/trace.json', 'utf8')).bestLayer"; }
experiment() { # $1 method, $2 mode: an Experiment with the model's own defaults (its traced layer);
  # ROME and C-ROME read the shipped statistics of that layer, the multi-layer methods compute theirs.
  local L; L=$(layer)
  node -e "const m = '$1'; const one = m === 'rome' || m === 'c-rome'; console.log(JSON.stringify({version: 1, model: '$M', method: {name: m}, ...(one ? {stats: {npz: '$M/stats/layer${L}_mom2.npz'}} : {}), mode: '$2', eval: {texts: 'me-ppl-50', collapse_factor: 10}}, null, 1))"
}
steps=${*:-stats facts trace eval mine sweep card}
for s in $steps; do
  echo "== $s ($(date -u +%H:%M:%S))"
  case $s in
    stats) "$PY" training/stats_demo.py --model "$M" --data training/work --tokens 200000 ;;
    facts) "$PY" training/public_facts.py training/work/facts.json "$M/facts.json" ;;
    trace) $LAB trace --model "$M" --cases 40 --samples 5 --out "$R/trace" && cp "$R/trace/trace.svg" "$M/trace.svg"
      # the lab's default layer for this model (config.json "butterfly_lab.edit_layer")
      node -e "const f = '$M/config.json', fs = require('fs'); const c = JSON.parse(fs.readFileSync(f, 'utf8')); c.butterfly_lab = { edit_layer: $(layer) }; fs.writeFileSync(f, JSON.stringify(c, null, 2) + '\n')" ;;
    eval) npx tsx training/evaluate-demo.ts "$M" training/work/facts.json "$R/eval.json" 5 ;;
    mine) # At the traced layer (0) the first-token subjects' update denominators stay near the others' (ROME ≤ 2.2× ME-PPL on
      # all three measured); at layer 2 one of them is ≈ 0 and collapses: MINE_LAYER picks where to mine.
      $LAB mine --model "$M" --layer "${MINE_LAYER:-2}" --cases "${MINE_CASES:-6}" --candidates 500 --out "$M" --json > "$R/mine.json" ;;
    sweep) experiment rome single > "$R/rome-single.json" && $LAB sweep "$R/rome-single.json" --cases 50 --out "$R/single" ;;
    sweep-layer) # the same requests and texts as rome-single.json at SWEEP_LAYER (default 2, where the hard case was mined), with that layer's statistics
      L2=${SWEEP_LAYER:-2}
      node -e "const fs = require('fs'); const e = JSON.parse(fs.readFileSync('$R/rome-single.json', 'utf8')); e.method.layer = $L2; e.stats = {npz: '$M/stats/layer${L2}_mom2.npz'}; console.log(JSON.stringify(e, null, 1))" > "$R/rome-single-layer$L2.json"
      $LAB sweep "$R/rome-single-layer$L2.json" --cases "${SWEEP_CASES:-50}" --out "$R/single-layer$L2" --resume ;;
    seq) # sequential edits until collapse: the first CounterFact requests vs the mined hard cases, every method at the
      # layer the hard cases were mined at (hard_cases.json "layer"), with that layer's shipped statistics, so the two
      # sequences differ only in their facts (MEND edits the layers its editor was trained for).
      for method in ${SEQ_METHODS:-rome c-rome memit ft-l alphaedit mend}; do
        node -e "
          const fs = require('fs'), m = '$method', hard = JSON.parse(fs.readFileSync('$M/hard_cases.json', 'utf8'));
          const L = hard.layer, method = { name: m };
          if (m === 'rome' || m === 'c-rome') method.layer = L; else if (m !== 'mend') method.layers = [L];
          const e = { version: 1, model: '$M', method, ...(m === 'mend' ? {} : { stats: { npz: '$M/stats/layer' + L + '_mom2.npz' } }),
            mode: 'sequential', eval: { texts: 'me-ppl-50', collapse_factor: 10 } };
          fs.writeFileSync('$R/seq-$method.json', JSON.stringify(e, null, 1) + '\\n');
          e.edits = hard.cases.map((c) => ({ prompt: c.prompt, subject: c.subject, target_new: c.target_new, target_true: c.target_true }));
          fs.writeFileSync('$R/seq-$method-hard.json', JSON.stringify(e, null, 1) + '\\n');"
        $LAB sweep "$R/seq-$method.json" --cases "${SEQ_EDITS:-6}" --out "$R/seq-$method-normal" --resume || echo "seq $method normal failed"
        $LAB sweep "$R/seq-$method-hard.json" --cases "${SEQ_EDITS:-6}" --out "$R/seq-$method-hard" --resume || echo "seq $method hard failed"
      done ;;
    card) # the training log is kept in results/ once copied (training/work/ is scratch)
      if [ -f training/work/train_log.jsonl ]; then cp training/work/train_log.jsonl "$R/train_log.jsonl"; fi
      npx tsx training/model-card.ts ;;
    *) echo "unknown step $s"; exit 2 ;;
  esac
done
