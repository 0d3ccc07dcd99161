#!/bin/sh
# The README's demo: the real CLI on migration pairs made from real vdpa output of a real kernel
# (profiles/README.md says where each sample comes from), one per graded verdict. Exits non-zero if
# any exit status is not the one the verdict has (0 go, 1 do not, 2 could not decide).
set -u
cd "$(dirname "$0")/.."
cli="node dist/bin/vdpa-compat.cjs"
S=profiles/vdpasim/k6.12-netlink
T=profiles/vdpasim/k6.12-tool615
Q="--source-qemu 10.0.2 --target-qemu 10.0.2"
failed=0
# demo TITLE EXPECTED-STATUS ARGS...
demo() {
  title=$1; want=$2; shift 2
  echo "== $title"
  $cli check "$@"
  got=$?
  echo "(exit status $got; expected $want)"
  echo
  [ "$got" -eq "$want" ] || failed=1
}
# shellcheck disable=SC2086
demo "1. a guest on a kernel 6.12 simulator device -> its idle twin, both hosts on QEMU 10.0.2: identical" 0 $S $S --source-device src --target-device same $Q
# shellcheck disable=SC2086
demo "2. the same guest -> a device provisioned without the CTRL_VQ and CTRL_MAC_ADDR it negotiated: incompatible" 1 $S $S --source-device src --target-device fewer $Q
# shellcheck disable=SC2086
demo "3. the same pair read with iproute2 only, which never shows what a device offers: could not decide" 2 $T $T --source-device src --target-device fewer $Q
demo "4. the first pair under the QEMU the host really had (7.2, recorded by collect): blocked by the hypervisor" 1 $S $S --source-device src --target-device same
exit $failed
