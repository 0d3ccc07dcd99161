# Sourced by the lab scenarios (test/e2e/scenarios/suite.sh, test/e2e-qemu/scenarios/migrate.sh).
# to_vp_vdpa PCI…: hands PCI functions from virtio-pci (or no driver) to vp_vdpa.
to_vp_vdpa() {
  local f
  for f in "$@"; do
    [ -e "/sys/bus/pci/devices/$f/driver" ] && echo "$f" > "/sys/bus/pci/devices/$f/driver/unbind"
    echo vp-vdpa > "/sys/bus/pci/devices/$f/driver_override"
    echo "$f" > /sys/bus/pci/drivers/vp-vdpa/bind || echo "E2E: vp_vdpa did not take $f"
  done
}
