#!/usr/bin/env bash
# Train the demo model from scratch (or resume), reproducibly. Run by hand, never by CI:
#   bash training/train-demo.sh
# Needs Debian's PyTorch: apt-get install python3-torch libopenblas0-pthread
# (without libopenblas0-pthread PyTorch falls back to a reference BLAS, ~25x slower).
set -euo pipefail
cd "$(dirname "$0")/.."
SHARED=${SHARED:-../shared}
WORK=training/work
PY=${PYTHON:-/usr/bin/python3}
npx tsx training/prepare.ts "$SHARED/data/corpus" "$SHARED/data/rome_known_1000/known_1000.json" "$WORK"
# jemalloc keeps freed blocks for reuse: glibc returns big blocks to the OS and
# page-faults them back every step (measured: most of the time in the kernel).
JEMALLOC=/usr/lib/x86_64-linux-gnu/libjemalloc.so.2
[ -e "$JEMALLOC" ] && export LD_PRELOAD=$JEMALLOC
"$PY" training/train_demo.py --data "$WORK" --out public/models/demo-gpt2 \
  --steps 1200 --batch 8 --fact-fraction 0.6 --eval-every 200 \
  --phase1-end 700 --fact-steps 300 --fact-batch 384 --fact-corpus-rows 2 --fact-lr 1e-3 "$@"
