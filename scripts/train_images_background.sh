#!/usr/bin/env bash
# The long background run of the image recipe (issue 16): one torch thread, niced, resumable.
# Run it again (same command) to continue from the last checkpoint; it stops by itself at STOP_AT (UTC).
#   RUN_DIR=/work/runs/images/long STOP_AT=10:15 scripts/train_images_background.sh
# LR_DECAY="FIRST LAST" makes the learning rate fall linearly to 0 between those steps (also on resume).
# G_TOP_K=F makes generator steps learn from the best-scored fraction F of each batch (also on resume;
# unset on resume keeps the checkpoint's value, G_TOP_K=1 switches it off).
# THREADS (default 1) and NICE (default 10): give it both cores (THREADS=2 NICE=5) when nothing else runs.
set -euo pipefail
cd "$(dirname "$0")/.."
RUN_DIR=${RUN_DIR:-runs/images/long}
STOP_AT=${STOP_AT:?set STOP_AT=HH:MM (UTC) so the run stops by itself}
STEPS=${STEPS:-100000}
PY=${PYTHON:-.venv/bin/python}
THREADS=${THREADS:-1}
NICE=${NICE:-10}
mkdir -p "$RUN_DIR"
common=(--out "$RUN_DIR" --steps "$STEPS" --stop-at "$STOP_AT" --threads "$THREADS" --device cpu --keep-checkpoints)
if [[ -n "${LR_DECAY:-}" ]]; then
  read -r -a decay <<< "$LR_DECAY"
  common+=(--lr-decay "${decay[@]}")
fi
if [[ -n "${G_TOP_K:-}" ]]; then
  common+=(--g-top-k "$G_TOP_K")
fi
if [[ -f "$RUN_DIR/checkpoint.pt" ]]; then
  exec nice -n "$NICE" "$PY" -m course_utils.image_training train --resume "$RUN_DIR/checkpoint.pt" "${common[@]}"
fi
# the recipe chosen by scripts/image_study.py (see data/image_recipe_study.md); RECIPE overrides it
read -r -a recipe <<< "${RECIPE:---g-upsample nearest --ema-decay 0.999 --data full --checkpoint-every 200 --sample-every 200 --eval-every 200}"
exec nice -n "$NICE" "$PY" -m course_utils.image_training train "${recipe[@]}" "${common[@]}"
