#!/usr/bin/env bash
# A sharded sweep on a real Slurm cluster of one node: starts munged, slurmctld and slurmd
# (generated key and slurm.conf in a temporary directory, unused ports), submits a 4-task
# array sweep and its merge (scripts/cluster/submit-slurm), and requires the merged runs to
# equal an unsharded sweep's, row for row. Stops exactly the daemons it started.
# Exit 77 (ctest: skipped) when not root or when Slurm or munge is not installed.
# usage: slurm_sweep.sh DTXSIM SOURCE_DIR [SEEDS]
set -euo pipefail
dtxsim="$(realpath "$1")"
root="$(realpath "$2")"
seeds="${3:-1..24}"
scenario="$root/scenarios/transfer-outbox.json"

skip() { echo "SKIP: $*"; exit 77; }
[ "$(id -u)" -eq 0 ] || skip "needs root to start munged, slurmctld and slurmd"
for tool in munged mungekey slurmctld slurmd sbatch scontrol sinfo sqlite3; do
  command -v "$tool" >/dev/null || skip "$tool is not installed (scripts/bootstrap --cluster)"
done

tmp="$(mktemp -d /tmp/dtxsim-slurm.XXXXXX)"
chmod 755 "$tmp"  # munged requires its socket's directories searchable by all
started=()  # pid files of the daemons this test started, in start order

stop_daemons() {
  local i pid
  for ((i = ${#started[@]} - 1; i >= 0; i--)); do
    pid="$(cat "${started[$i]}" 2>/dev/null || true)"
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
      kill "$pid"
      for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      if kill -0 "$pid" 2>/dev/null; then kill -9 "$pid"; fi
    fi
  done
}
on_exit() {
  local rc=$?
  set +e
  stop_daemons
  if [ $rc -ne 0 ] && [ $rc -ne 77 ]; then
    for log in "$tmp"/*.log "$tmp"/out/*.out; do
      [ -f "$log" ] && { echo "--- $log"; tail -20 "$log"; }
    done
  fi
  rm -rf "$tmp"
  exit $rc
}
trap on_exit EXIT

# Daemon starts a daemon that writes its pid file and records it; waits for the file.
daemon() {
  local pidfile="$1"
  shift
  "$@"
  started+=("$pidfile")
  for _ in $(seq 100); do [ -s "$pidfile" ] && return 0; sleep 0.1; done
  echo "FAIL: $1 wrote no pid file" >&2
  return 1
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

host="$(hostname -s)"
mkdir -p "$tmp/state" "$tmp/spool" "$tmp/out"
mungekey --create --keyfile="$tmp/munge.key" >/dev/null
daemon "$tmp/munged.pid" munged --key-file="$tmp/munge.key" --socket="$tmp/munge.sock" \
  --pid-file="$tmp/munged.pid" --log-file="$tmp/munged.log" --seed-file="$tmp/munged.seed"

cpus="$(nproc)"
cat >"$tmp/slurm.conf" <<CONF
ClusterName=dtxsim-test
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$(free_port)
SlurmdPort=$(free_port)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$tmp/munge.sock
CredType=cred/munge
StateSaveLocation=$tmp/state
SlurmdSpoolDir=$tmp/spool
SlurmctldPidFile=$tmp/slurmctld.pid
SlurmdPidFile=$tmp/slurmd.pid
SlurmctldLogFile=$tmp/slurmctld.log
SlurmdLogFile=$tmp/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
MpiDefault=none
ReturnToService=2
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus State=UNKNOWN
PartitionName=test Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF="$tmp/slurm.conf"
daemon "$tmp/slurmctld.pid" slurmctld -f "$SLURM_CONF"
daemon "$tmp/slurmd.pid" slurmd -f "$SLURM_CONF"
for _ in $(seq 100); do
  sinfo -h -o %t 2>/dev/null | grep -Eq '^(idle|mix|alloc)' && break
  sleep 0.2
done
sinfo -h -o %t | grep -Eq '^(idle|mix|alloc)' || { echo "FAIL: node not idle"; exit 1; }

# The array sweep and its merge, as a user would submit them.
"$root/scripts/cluster/submit-slurm" --wait "$dtxsim" "$scenario" "$seeds" 4 "$tmp/out" \
  --cpus-per-task=1 >/dev/null
for k in 1 2 3 4; do
  [ -f "$tmp/out/shard-$k.db" ] || { echo "FAIL: shard $k wrote no database"; exit 1; }
done
[ -f "$tmp/out/merged.db" ] || { echo "FAIL: the merge job wrote no database"; exit 1; }

# The same runs unsharded, here.
"$dtxsim" sweep "$scenario" --seeds "$seeds" --jobs 2 --db "$tmp/single.db" -q >/dev/null
rows() {
  sqlite3 "$1" "SELECT scenario_hash, pattern, variant, seed, build, trace_hash, metrics,
                violations, faults FROM runs ORDER BY pattern, variant, seed"
}
rows "$tmp/out/merged.db" >"$tmp/merged.rows"
rows "$tmp/single.db" >"$tmp/single.rows"
n="$(wc -l <"$tmp/single.rows")"
[ "$n" -gt 0 ] || { echo "FAIL: the unsharded sweep stored no runs"; exit 1; }
if ! cmp -s "$tmp/merged.rows" "$tmp/single.rows"; then
  echo "FAIL: merged shards differ from the unsharded sweep"
  diff "$tmp/merged.rows" "$tmp/single.rows" | head -5
  exit 1
fi
echo "PASS: 4-task Slurm array sweep merged equals the unsharded sweep ($n runs)"
