# Probe: both sources on the same live devices (simulator net+blk, vp_vdpa parents).
set -u
cd "$E2E_REPO"
cli() { node dist/bin/vdpa-compat.cjs "$@"; }
mp() { modprobe -d "$E2E_MODROOT" "$@"; }
mp vdpa_sim_net; mp vdpa_sim_blk; mp vhost_vdpa; mp virtio_vdpa
vdpa dev add name vdpa0 mgmtdev vdpasim_net mac 00:11:22:33:44:55
vdpa dev add name vdpa1 mgmtdev vdpasim_blk
# vp_vdpa: take the virtio-net functions from virtio_pci
for f in 0000:00:05.0 0000:00:06.0 0000:00:07.0; do
  [ -e /sys/bus/pci/devices/$f/driver ] && echo $f > /sys/bus/pci/devices/$f/driver/unbind
  echo vp-vdpa > /sys/bus/pci/devices/$f/driver_override
done
mp vp_vdpa
vdpa mgmtdev show
vdpa dev add name vdpa2 mgmtdev pci/0000:00:05.0
vdpa -j dev show
cli collect --source netlink --save-raw "$OUT/netlink" -o "$OUT/netlink.yaml"; echo "netlink rc=$?"
cli collect --source vdpa-tool --save-raw "$OUT/tool" -o "$OUT/tool.yaml"; echo "tool rc=$?"
cli collect --save-raw "$OUT/auto" -o "$OUT/auto.yaml"; echo "auto rc=$?"
