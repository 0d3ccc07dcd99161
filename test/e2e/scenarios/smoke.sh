# Smoke test of the e2e lab: modules load, a simulator device appears, the CLI runs.
set -u
cd "$E2E_REPO"
modprobe -d "$E2E_MODROOT" vdpa_sim_net && modprobe -d "$E2E_MODROOT" vhost_vdpa
vdpa dev add name vdpa0 mgmtdev vdpasim_net
vdpa -j dev show
node dist/bin/vdpa-compat.cjs collect -o "$OUT/smoke.yaml"
echo "collect rc=$?"
node dist/bin/vdpa-compat.cjs check "$OUT/smoke.yaml" "$OUT/smoke.yaml"
echo "check rc=$?"
"$E2E_TRIXIE/usr/sbin/vdpa" -V 2>&1 || chroot "$E2E_TRIXIE" vdpa -V
