#!/usr/bin/env bash
# `compare --executor slurm` against a real Slurm (local_slurm.sh): a grid of
# 2 regularizers × 2 seeds runs as one job array; every cell's record and the
# aggregate are checked; one task is cancelled mid-run (scancel), and the
# resubmission runs that cell alone, resuming it from its checkpoint. Then
# one cell trains data-parallel in two tasks started by srun.
#
#   slurm_array_test.sh NEUROREG     exits 77 (skipped) when Slurm cannot start
set -euo pipefail
neuroreg=$(realpath "$1")
here=$(dirname "$(realpath "$0")")
work=$(mktemp -d /tmp/neuroreg-slurm-XXXXXX)
chmod 755 "$work"
cleanup() {
  status=$?
  "$here/local_slurm.sh" stop "$work/slurm" || true
  if [ $status -ne 0 ] && [ $status -ne 77 ]; then
    echo "--- slurmctld log"; tail -20 "$work/slurm/log/slurmctld.log" 2>/dev/null || true
    echo "--- task logs"; tail -n 20 "$work"/runs/arr/slurm/*/task-*.log 2>/dev/null || true
  fi
  rm -rf "$work"
  exit $status
}
trap cleanup EXIT

fail() { echo "FAILED: $*" >&2; exit 1; }
step() { echo; echo "== $*"; }

eval "$("$here/local_slurm.sh" start "$work/slurm")"
cd "$work"
cat > grid.toml <<'TOML'
[run]
name = "arr"
output_dir = "runs"
threads = 1

[dataset]
name = "synthetic"
train_size = 256
test_size = 16

[backbone]
name = "resnet18"
width = 4

[train]
epochs = 6
batch_size = 16

[eval]
noise_sigmas = [0.1]

[grid]
seed = [0, 1]

[[regularizer]]
name = "none"

[[regularizer]]
name = "pixel"
taps = ["5"]
TOML

# Waits until no task of job $1 is in the queue (at most $2 seconds).
wait_for_job() {
  for _ in $(seq $(($2 * 5))); do
    [ -z "$(squeue --noheader --array --jobs "$1" 2>/dev/null)" ] && return 0
    sleep 0.2
  done
  squeue --array
  fail "job $1 still in the queue after $2 s"
}

step "submit the grid as an array of 4 tasks, 2 at once"
out=$("$neuroreg" compare grid.toml --executor slurm --max-parallel 2 --cpus-per-task 1)
echo "$out"
job=$(sed -n 's/^submitted 4 cells as Slurm job \([0-9]*\) (array 0-3%2).*/\1/p' <<<"$out")
[ -n "$job" ] || fail "no 'submitted 4 cells as Slurm job N (array 0-3%2)' line"
script=$(ls runs/arr/slurm/*/array.sh)
grep -q -- "--cell \"\$cell\" --threads \"\${SLURM_CPUS_PER_TASK:-1}\"" "$script" ||
  fail "the script does not run run-cell for its task's cell"

step "cancel one task once its cell has written a checkpoint"
victim=""
for _ in $(seq 300); do
  while read -r id state; do
    [ "$state" = RUNNING ] || continue
    task=${id#*_}
    cell=$(awk -F'\t' -v t="$task" '$1 == t { print $2 }' runs/arr/slurm/*/cells.tsv)
    if [ -f "runs/arr/$cell/checkpoint.pt" ] && [ ! -f "runs/arr/$cell/model.pt" ]; then
      victim=$cell
      scancel "$id"
      echo "cancelled $id (cell $cell)"
      break 2
    fi
  done < <(squeue --noheader --array --jobs "$job" --format='%i %T')
  sleep 0.1
done
[ -n "$victim" ] || fail "no running task with a checkpoint to cancel"
wait_for_job "$job" 120

step "status: three cells done, the cancelled one interrupted"
status=$("$neuroreg" compare grid.toml --status)
echo "$status"
grep -q "4 cells: 3 done, 1 interrupted" <<<"$status" || fail "expected 3 done, 1 interrupted"
grep -q "stopped by signal 15" runs/arr/"$victim"/train.log ||
  fail "the cancelled cell did not checkpoint on SIGTERM"
sums_before=$(cd runs/arr && for c in */record.pb; do [ "${c%%/*}" = "$victim" ] || sha256sum "$c"; done)

step "resubmit: only the cancelled cell runs, resuming from its checkpoint"
out=$("$neuroreg" compare grid.toml --executor slurm)
echo "$out"
grep -q "4 cells, 3 finished, 0 queued or running, 1 to submit" <<<"$out" ||
  fail "the resubmission should submit the one unfinished cell"
job2=$(sed -n 's/^submitted 1 cells as Slurm job \([0-9]*\).*/\1/p' <<<"$out")
[ -n "$job2" ] || fail "no job id in the resubmission's output"
wait_for_job "$job2" 120
grep -q '"attempts": 2' <<<"$("$neuroreg" show "runs/arr/$victim" --json)" ||
  fail "the cancelled cell was not resumed (attempts != 2)"
sums_after=$(cd runs/arr && for c in */record.pb; do [ "${c%%/*}" = "$victim" ] || sha256sum "$c"; done)
[ "$sums_before" = "$sums_after" ] || fail "the rerun touched cells that were done"

step "every cell's record, then the aggregate"
status=$("$neuroreg" compare grid.toml --status)
echo "$status"
grep -q "4 cells: 4 done" <<<"$status" || fail "expected every cell done"
for record in runs/arr/*/record.pb; do
  grep -q '"clean_accuracy"' <<<"$("$neuroreg" show "$record" --json)" ||
    fail "$record has no evaluation"
done
out=$("$neuroreg" compare grid.toml)
echo "$out"
grep -q "4 finished, 0 to run" <<<"$out" || fail "the aggregation reran cells"
grep -Eq '^none +2 ' <<<"$out" || fail "no 'none' group of 2 seeds in the table"
grep -Eq '^pixel +2 ' <<<"$out" || fail "no 'pixel' group of 2 seeds in the table"
[ -s runs/arr/report.html ] && [ -s runs/arr/summary.csv ] || fail "no report written"
step "one cell trained data-parallel by two srun tasks"
cat > dp.toml <<'TOML'
[run]
name = "dp"
output_dir = "runs"
threads = 1
distributed = true
distributed_timeout = 60

[dataset]
name = "synthetic"
train_size = 128
test_size = 16

[backbone]
name = "resnet18"
width = 4

[train]
epochs = 2
batch_size = 16

[eval]
noise_sigmas = [0.1]

[[regularizer]]
name = "none"
TOML
srun --ntasks=2 --cpus-per-task=1 --time=5 "$neuroreg" train dp.toml
record=$("$neuroreg" show runs/dp --json)
grep -q '"world_size": 2' <<<"$record" || fail "the srun run's record does not say 2 processes"
grep -q '"launcher": "srun"' <<<"$record" || fail "the srun run's record does not name srun"

echo
echo "PASSED: job $job (4 cells, $victim cancelled), job $job2 (1 cell resumed), srun -n 2"
