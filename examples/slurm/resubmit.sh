#!/bin/bash
# Re-runs one task of the array (killed, timed out, its node lost) with the
# same array variables, so the same shard: it skips the issues its manifest
# records as done, and renders the rest. Then merges the reports again.
# Prints the new merge job's ID.
#   resubmit.sh ARRAY_JOB_ID TASK_ID CATALOGUE REPORTS
set -euo pipefail
here=$(dirname "$0")
array=$1 task=$2 catalogue=$3 reports=$4
scontrol requeue "${array}_${task}"
# A requeued job waits a while before it may start again; start it now.
scontrol update JobId="${array}_${task}" StartTime=now
sbatch --parsable --dependency="afterok:${array}_${task}" --kill-on-invalid-dep=yes \
  --output="$reports/merge-%j.log" "$here/merge.sbatch" "$catalogue" "$reports"
