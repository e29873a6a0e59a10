#!/bin/bash
# Renders a catalogue as a Slurm job array of 8 shards, then merges their
# reports once every task has succeeded. Prints the two job IDs.
#   submit.sh CATALOGUE OUT REPORTS [OPTION...]
# OPTIONs go to every bulletin-pdf of the array (e.g. --layout DIR).
set -euo pipefail
here=$(dirname "$0")
catalogue=$1 out=$2 reports=$3
mkdir -p "$out" "$reports"
array=$(sbatch --parsable --array=0-7 --output="$reports/render-%A_%a.log" \
  "$here/render.sbatch" "$@")
# A task that fails cancels the merge (--kill-on-invalid-dep); resubmit.sh
# re-runs the task and submits the merge again.
merge=$(sbatch --parsable --dependency="afterok:$array" --kill-on-invalid-dep=yes \
  --output="$reports/merge-%j.log" "$here/merge.sbatch" "$catalogue" "$reports")
echo "$array $merge"
