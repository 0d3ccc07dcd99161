#!/bin/bash
# Builds vDPA modules out of tree from a Debian linux-source tree.
#   build-modules.sh KBUILD_DIR SOURCE_TREE "PARTS" OUT_DIR
# KBUILD_DIR   the kernel's /usr/src/linux-headers-<kver>
# SOURCE_TREE  a tree holding at least drivers/{vdpa,vhost,virtio} of the same kernel
# PARTS        any of: vringh vdpa vdpa_sim vhost_vdpa virtio_vdpa vp_vdpa
# All sources go into one flat directory with one Kbuild, so modules built
# together resolve each other's symbols.
set -euo pipefail
KB=$1; SRC=$2; PARTS=$3; OUT=$4
W=$(mktemp -d "${TMPDIR:-/tmp}/vdpa-compat-kbuild.XXXXXX")
trap 'rm -rf "$W"' EXIT
mkdir -p "$OUT"
objs=()
for part in $PARTS; do
  case $part in
    vringh) cp "$SRC/drivers/vhost/vringh.c" "$W/"; objs+=(vringh.o) ;;
    vdpa) cp "$SRC/drivers/vdpa/vdpa.c" "$W/"; objs+=(vdpa.o) ;;
    vdpa_sim) cp "$SRC"/drivers/vdpa/vdpa_sim/*.[ch] "$W/"; objs+=(vdpa_sim.o vdpa_sim_net.o vdpa_sim_blk.o) ;;
    # drivers/vhost/vdpa.c would clash with drivers/vdpa/vdpa.c in a flat directory.
    vhost_vdpa) cp "$SRC/drivers/vhost/vdpa.c" "$W/vhost-vdpa-main.c"; cp "$SRC/drivers/vhost/vhost.h" "$W/"
                objs+=(vhost_vdpa.o); echo "vhost_vdpa-y := vhost-vdpa-main.o" >> "$W/Kbuild" ;;
    virtio_vdpa) cp "$SRC/drivers/virtio/virtio_vdpa.c" "$W/"; objs+=(virtio_vdpa.o) ;;
    vp_vdpa) cp "$SRC/drivers/vdpa/virtio_pci/vp_vdpa.c" "$W/"; objs+=(vp_vdpa.o) ;;
    *) echo "build-modules: unknown part $part" >&2; exit 2 ;;
  esac
done
echo "obj-m += ${objs[*]}" >> "$W/Kbuild"
make -s -C "$KB" M="$W" -j"$(nproc)" modules
cp "$W"/*.ko "$OUT/"
ls "$OUT"
