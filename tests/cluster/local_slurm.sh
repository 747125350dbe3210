#!/usr/bin/env bash
# A throwaway Slurm cluster on this machine, for the tests: munged with its
# own key, slurmctld and one slurmd (2 CPUs) on free localhost ports, every
# file under DIR. Nothing outside DIR is read or written.
#
#   local_slurm.sh start DIR   starts the daemons; prints 'export SLURM_CONF=...'
#                              exits 77 (skip) saying why when they cannot start
#   local_slurm.sh stop DIR    stops them (by their pid files)
set -euo pipefail

action=${1:-}
dir=${2:-}
[ -n "$action" ] && [ -n "$dir" ] || { echo "usage: $0 start|stop DIR" >&2; exit 2; }

skip() {
  echo "SKIPPED: cannot start a local Slurm: $*" >&2
  exit 77
}

stop() {
  for pidfile in "$dir/slurmd.pid" "$dir/slurmctld.pid" "$dir/munge/munged.pid"; do
    [ -f "$pidfile" ] || continue
    pid=$(cat "$pidfile")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  done
}

# A port nobody listens on: bash's /dev/tcp connects where something listens.
free_port() {
  local port
  for port in $(shuf -i 20000-60000 -n 50); do
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return
    fi
  done
  skip "no free localhost port found"
}

if [ "$action" = stop ]; then
  stop
  exit 0
fi
[ "$action" = start ] || { echo "usage: $0 start|stop DIR" >&2; exit 2; }

for program in munged slurmctld slurmd sbatch squeue scancel; do
  command -v "$program" >/dev/null ||
    skip "$program is not installed (Debian's slurm-wlm and munge; tools/setup --tests installs them)"
done

mkdir -p "$dir/state" "$dir/spool" "$dir/log" "$dir/munge"
chmod 700 "$dir/munge"
head -c 1024 /dev/urandom > "$dir/munge/munge.key"
chmod 600 "$dir/munge/munge.key"
munged --force --key-file="$dir/munge/munge.key" --socket="$dir/munge/munge.socket" \
  --pid-file="$dir/munge/munged.pid" --log-file="$dir/munge/munged.log" \
  --seed-file="$dir/munge/munged.seed" ||
  skip "munged did not start: $(tail -3 "$dir/munge/munged.log" 2>/dev/null)"

user=$(id -un)
ctld_port=$(free_port)
slurmd_port=$(free_port)
[ "$ctld_port" != "$slurmd_port" ] || slurmd_port=$((ctld_port + 1))
cat > "$dir/slurm.conf" <<CONF
ClusterName=neuroregtest
SlurmctldHost=localhost
SlurmUser=$user
SlurmdUser=$user
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
AuthType=auth/munge
AuthInfo=socket=$dir/munge/munge.socket
CredType=cred/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
ReturnToService=2
MpiDefault=none
KillWait=30
MinJobAge=600
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
NodeName=localhost CPUs=2 State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF="$dir/slurm.conf"
slurmctld -f "$SLURM_CONF" || { stop; skip "slurmctld did not start: $(tail -3 "$dir/log/slurmctld.log" 2>/dev/null)"; }
slurmd -f "$SLURM_CONF" -N localhost ||
  { stop; skip "slurmd did not start: $(tail -3 "$dir/log/slurmd.log" 2>/dev/null)"; }
for _ in $(seq 100); do
  if sinfo --noheader --format=%t 2>/dev/null | grep -qx idle; then
    echo "export SLURM_CONF=$SLURM_CONF"
    exit 0
  fi
  sleep 0.2
done
stop
skip "the node did not become idle within 20 s: $(tail -3 "$dir/log/slurmd.log" 2>/dev/null)"
