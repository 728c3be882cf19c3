#!/usr/bin/env bash
# cluster.sh starts and stops a one-node Slurm cluster for tests, without
# systemd: munged, slurmctld and slurmd run directly, as root, with every
# file (key, sockets, state, logs, slurm.conf) in one directory.
#
#   scripts/slurm/cluster.sh start DIR   # prints the SLURM_CONF to export
#   scripts/slurm/cluster.sh stop DIR    # stops the daemons by their PIDs
#
# Needs Debian's slurm-wlm (22.05) and munge. The ports are Slurm's own
# (6817 for slurmctld, 6818 for slurmd, unless SHARDNET_SLURM_PORTS is
# "CTLD,SLURMD"), so one such cluster runs on a machine at a time. srun
# uses PMIx by default (MpiDefault=pmix), which Debian's Open MPI supports;
# its PMI-2 does not.
set -euo pipefail

usage() { echo "usage: $0 start|stop DIR" >&2; exit 2; }
[ $# -eq 2 ] || usage
action=$1
dir=$2

# stop_daemons ends every daemon whose PID file start wrote, newest first,
# and waits (at most 10 s each) for it to go.
stop_daemons() {
  local name pid
  for name in slurmd slurmctld munged; do
    [ -f "$dir/$name.pid" ] || continue
    pid=$(cat "$dir/$name.pid")
    if kill "$pid" 2>/dev/null; then
      for _ in $(seq 100); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
      done
      kill -9 "$pid" 2>/dev/null || true
    fi
    rm -f "$dir/$name.pid"
  done
}

case $action in
stop)
  stop_daemons
  exit 0
  ;;
start) ;;
*) usage ;;
esac

for cmd in munged slurmctld slurmd sinfo; do
  command -v "$cmd" >/dev/null || { echo "cluster.sh: $cmd not found (apt-get install slurm-wlm munge)" >&2; exit 1; }
done
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
# munged refuses a socket whose directories are not searchable by all, and
# a key readable by others.
chmod 755 "$dir"
mkdir -p "$dir/munge" "$dir/ctld" "$dir/d"
chmod 755 "$dir/munge"
head -c 1024 /dev/urandom >"$dir/munge/munge.key"
chmod 400 "$dir/munge/munge.key"

# Whatever fails from here stops what started.
trap 'status=$?; if [ $status -ne 0 ]; then stop_daemons; fi' EXIT

munged --foreground --force --key-file="$dir/munge/munge.key" --socket="$dir/munge/munge.socket" \
  --pid-file="$dir/munge/munged.pid" --seed-file="$dir/munge/munged.seed" --log-file="$dir/munge/munged.log" \
  >>"$dir/munge/munged.out" 2>&1 &
echo $! >"$dir/munged.pid"

host=$(hostname -s)
node=$(slurmd -C | head -1 | sed "s/^NodeName=[^ ]*/NodeName=$host NodeAddr=127.0.0.1/")
IFS=, read -r ctld_port slurmd_port <<<"${SHARDNET_SLURM_PORTS:-6817,6818}"
cat >"$dir/slurm.conf" <<CONF
ClusterName=shardnet
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$dir/munge/munge.socket
StateSaveLocation=$dir/ctld
SlurmdSpoolDir=$dir/d
SlurmctldPidFile=$dir/ctld/slurmctld.pid
SlurmdPidFile=$dir/d/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=pmix
ReturnToService=2
KillWait=20
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
$node
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF=$dir/slurm.conf

for _ in $(seq 50); do
  [ -S "$dir/munge/munge.socket" ] && break
  sleep 0.1
done
slurmctld -D -i -f "$SLURM_CONF" >>"$dir/slurmctld.out" 2>&1 &
echo $! >"$dir/slurmctld.pid"
slurmd -D -f "$SLURM_CONF" >>"$dir/slurmd.out" 2>&1 &
echo $! >"$dir/slurmd.pid"

# Up when the node is idle: at most 30 s.
for _ in $(seq 150); do
  if [ "$(sinfo -h -o %T 2>/dev/null)" = idle ]; then
    echo "$SLURM_CONF"
    exit 0
  fi
  sleep 0.2
done
echo "cluster.sh: the node is not idle after 30 s (sinfo: $(sinfo -h -o %T 2>&1)); logs in $dir" >&2
tail -5 "$dir/slurmctld.log" "$dir/slurmd.log" >&2 || true
exit 1
