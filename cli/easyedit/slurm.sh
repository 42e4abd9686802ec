#!/bin/bash
# Sample Slurm job for a Butterfly Lab experiment exported for EasyEdit.
# Submit from this folder:  sbatch slurm.sh
# Each array task runs one shard (a contiguous block of cases) of a single-mode
# sweep and writes steps-<I>-of-<N>.jsonl. A sequential chain cannot be split
# (edit k is made on the model left by edits 0..k-1): it runs as one task.
# Afterwards, with the lab:  npm run -s lab -- import steps-*-of-__SHARDS__.jsonl --out result.json
#SBATCH --job-name=butterfly-easyedit
#SBATCH --array=0-__LAST__
#SBATCH --gres=gpu:1
#SBATCH --cpus-per-task=4
#SBATCH --mem=64G
#SBATCH --time=04:00:00
#SBATCH --output=slurm-%x-%A_%a.out
set -euo pipefail
cd "${SLURM_SUBMIT_DIR:-$(dirname "$0")}"
# module load cuda; source ~/venvs/easyedit/bin/activate   # your site's environment with EasyEdit
SHARDS=__SHARDS__
python run.py --mode __MODE__ --shard "${SLURM_ARRAY_TASK_ID:-0}/${SHARDS}"
