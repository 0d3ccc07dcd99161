#!/bin/sh
# The README's demo: the real CLI on two migration pairs made from real vdpa
# output (profiles/README.md says which capture each sample comes from).
# Exits non-zero if either verdict is not the expected one.
set -u
cd "$(dirname "$0")/.."
cli="node dist/bin/vdpa-compat.cjs"

echo "== 1. a guest on a kernel 6.12 simulator device -> an idle device bound to vhost_vdpa"
$cli check profiles/vdpasim/k6.12-negotiated profiles/vdpasim/k6.12-vhost --target-device vdpa0
first=$?
echo "(exit status $first: 0 = compatible)"
echo
echo "== 2. the same guest -> a device provisioned without VIRTIO_NET_F_MTU, not bound to any driver"
$cli check profiles/vdpasim/k6.12-negotiated profiles/vdpasim/k6.12-no-mtu
second=$?
echo "(exit status $second: 1 = incompatible)"
[ "$first" -eq 0 ] && [ "$second" -eq 1 ]
