# Two libvirt daemons on one machine (sourced by the scenarios). Each runs under
# `unshare -m -u` with private copies of /etc/libvirt, /run/libvirt,
# /var/lib/libvirt, /var/cache/libvirt and /var/log/libvirt bind-mounted over
# the real ones, its own hostname, host_uuid (libvirt refuses to migrate to a
# host with its own UUID) and TCP port on 127.0.0.1. The network namespace
# stays shared, so the migration stream runs over 127.0.0.1.
# (How and why: /work/shared/lab/libvirt-migration.md.)
#
# The caller sets LV (a scratch directory on a local file system: the daemons
# put UNIX sockets in it) and RUN (where the evidence goes), and calls
# lv_cleanup from an EXIT trap.
#
# Every process a daemon starts (QEMU, hooks, helpers) inherits its mount
# namespace, so lv_cleanup stops exactly those: the processes whose
# /proc/PID/ns/mnt is one of our daemons' namespaces, by PID.

# Seconds for one virsh call; a migration gets its own limit.
VIRSH_TIMEOUT=${VIRSH_TIMEOUT:-120}
LV_DAEMONS=()

# lv_virsh PORT ARGS...: virsh against the daemon on PORT, bounded.
lv_virsh() { local port=$1; shift; timeout -k 5 "$VIRSH_TIMEOUT" virsh -c "qemu+tcp://127.0.0.1:$port/system" "$@"; }

# lv_setup NAME PORT UUID: the daemon's private directories and configuration.
lv_setup() {
  local B=$LV/$1
  mkdir -p "$B"/etc "$B"/run "$B"/lib "$B"/cache "$B"/log
  # The packaged configuration as a base (read, never written); then ours over it.
  cp -a /etc/libvirt/. "$B/etc/"
  # No autostarted network (it would start dnsmasq and touch the host's firewall), no hooks but ours.
  rm -rf "$B/etc/qemu/networks/autostart" "$B/etc/hooks"
  mkdir -p "$B/etc/hooks/qemu.d"
  cat > "$B/etc/libvirtd.conf" <<EOC
listen_tls = 0
listen_tcp = 1
listen_addr = "127.0.0.1"
tcp_port = "$2"
auth_tcp = "none"
auth_unix_rw = "none"
host_uuid = "$3"
# Every hook call and its result (util.hook: "Calling hook", util.command: the exit status and output).
log_filters = "1:util.hook 1:util.command"
log_outputs = "1:file:$B/log/libvirtd.log"
EOC
  # A sandbox: QEMU as root, no security driver, no cgroups, no namespaces, no virtlogd.
  cat > "$B/etc/qemu.conf" <<EOC
user = "root"
group = "root"
dynamic_ownership = 0
remember_owner = 0
security_driver = "none"
cgroup_controllers = [ ]
namespaces = [ ]
stdio_handler = "file"
EOC
}

# The bind mounts of NAME's view, as a shell fragment run in a new mount namespace.
# Propagation is made private first, so nothing mounted there reaches this machine.
lv_mounts() {
  local B=$LV/$1
  echo "mount --make-rprivate / || exit 9"
  for pair in etc:/etc/libvirt run:/run/libvirt lib:/var/lib/libvirt cache:/var/cache/libvirt log:/var/log/libvirt; do
    echo "mount --bind '$B/${pair%%:*}' '${pair#*:}' || exit 9"
  done
}

# lv_mountpoints: the mount points must exist on this machine; /run/libvirt does not before
# libvirt first runs. lv_cleanup removes the ones made here.
lv_mountpoints() {
  local d
  for d in /etc/libvirt /run/libvirt /var/lib/libvirt /var/cache/libvirt /var/log/libvirt; do
    [ -d "$d" ] || { mkdir -p "$d" && echo "$d" >> "$LV/created-dirs"; }
  done
}

# lv_ns NAME CMD...: runs CMD seeing NAME's /etc/libvirt etc., as the daemon sees them.
lv_ns() {
  local name=$1; shift
  lv_mountpoints
  timeout -k 5 120 unshare -m bash -c "$(lv_mounts "$name"); exec \"\$@\"" lv-ns "$@"
}

# lv_start NAME PORT: starts NAME's libvirtd and waits until it answers. Sets LVPID_NAME.
lv_start() {
  local name=$1 port=$2 B=$LV/$1 pid i
  lv_mountpoints
  # unshare and bash exec in place, so $! is libvirtd's own PID.
  unshare -m -u bash -c "$(lv_mounts "$name"); hostname '$name-host'; exec libvirtd --listen --pid-file '$B/libvirtd.pid'" > "$B/libvirtd.out" 2>&1 < /dev/null &
  pid=$!
  eval "LVPID_$name=$pid"
  LV_DAEMONS+=("$name:$pid")
  for i in $(seq 1 60); do
    kill -0 "$pid" 2>/dev/null || break
    if timeout 10 virsh -c "qemu+tcp://127.0.0.1:$port/system" version > /dev/null 2>&1; then
      readlink "/proc/$pid/ns/mnt" > "$B/mntns"
      echo "libvirtd $name: pid $pid, port $port, answering after ${i}s"
      return 0
    fi
    sleep 1
  done
  echo "libvirtd $name (pid $pid) did not answer on port $port"; cat "$B/libvirtd.out"
  return 1
}

# lv_pids_in NAME: PIDs of every process in NAME's mount namespace (the daemon, its QEMUs, hooks).
lv_pids_in() {
  local ns p
  ns=$(cat "$LV/$1/mntns" 2>/dev/null) || return 0
  [ -n "$ns" ] || return 0
  for p in /proc/[0-9]*; do
    [ "$(readlink "$p/ns/mnt" 2>/dev/null)" = "$ns" ] && echo "${p#/proc/}"
  done
}

# lv_cleanup: destroys our domains, then stops every process of our daemons' namespaces by PID
# (TERM, then KILL after 10 s), keeps the daemons' logs in $RUN, and removes mount points it made.
lv_cleanup() {
  local entry name port dom pids p i
  for entry in "${LV_DAEMONS[@]}"; do
    name=${entry%%:*}
    port=$(sed -n 's/^tcp_port = "\(.*\)"/\1/p' "$LV/$name/etc/libvirtd.conf")
    for dom in $(VIRSH_TIMEOUT=20 lv_virsh "$port" list --name 2>/dev/null); do
      VIRSH_TIMEOUT=30 lv_virsh "$port" destroy "$dom" > /dev/null 2>&1
    done
  done
  for entry in "${LV_DAEMONS[@]}"; do
    name=${entry%%:*}
    pids=$(lv_pids_in "$name" | tr '\n' ' ')
    echo "cleanup $name: stopping pids ${pids:-none} (daemon ${entry#*:})" >> "$RUN/cleanup.txt"
    for p in $pids; do kill -TERM "$p" 2>/dev/null; done
    for i in $(seq 1 20); do
      pids=$(lv_pids_in "$name" | tr '\n' ' ')
      [ -z "$pids" ] && break
      sleep 0.5
    done
    for p in $pids; do echo "cleanup $name: pid $p still alive, KILL" >> "$RUN/cleanup.txt"; kill -KILL "$p" 2>/dev/null; done
    mkdir -p "$RUN/$name"
    cp "$LV/$name/log/libvirtd.log" "$LV/$name/libvirtd.out" "$RUN/$name/" 2>/dev/null
    cp -r "$LV/$name/log/qemu" "$RUN/$name/qemu-logs" 2>/dev/null
  done
  LV_DAEMONS=()
  if [ -f "$LV/created-dirs" ]; then
    # Only if empty: never remove anything that is not ours.
    while read -r d; do rmdir "$d" 2>/dev/null; done < "$LV/created-dirs"
    rm -f "$LV/created-dirs"
  fi
}

# lv_hook_lines NAME: the hook calls in NAME's log (what ran, with which arguments, and its result).
lv_hook_lines() { grep -E 'virRunScript|virHook|virCommandRun|virCommandWait|Hook script' "$LV/$1/log/libvirtd.log" 2>/dev/null; }

# lv_record_hook_input NAME DIR: a qemu.d script for NAME, run before ours, that keeps each
# migrate begin's XML as DIR/DOMAIN.N.xml (stdin as libvirt gave it) and changes nothing.
lv_record_hook_input() {
  mkdir -p "$2"
  cat > "$LV/$1/etc/hooks/qemu.d/00-record-input" <<EOS
#!/bin/sh
# Test recorder (libvirt suite): keeps the XML of every migrate begin; exits 0 for everything.
[ "\$2" = migrate ] && [ "\$3" = begin ] || exit 0
n=\$(ls '$2' | wc -l)
cat > '$2'/"\$1.\$n.xml"
exit 0
EOS
  chmod 755 "$LV/$1/etc/hooks/qemu.d/00-record-input"
}
