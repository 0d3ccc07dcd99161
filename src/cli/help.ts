import { SET_METADATA_COMMAND } from '../index.js';
/**
 * What `--help` prints after the options: the examples of each command and
 * the exit statuses. The man page (scripts/man.mjs) prints the same text, so
 * the two cannot drift apart.
 */

/** Every command's help text ends with real examples; the man page prints the same. */
export const EXAMPLES: Readonly<Record<string, string>> = {
  collect: `
Examples:
  vdpa-compat collect -o src.yaml                      this host, live
  vdpa-compat collect -o - --format json               the profile on stdout (nothing else goes there)
  vdpa-compat collect --device vdpa0 -o src.yaml       only vdpa0 (all management devices stay)
  vdpa-compat collect --save-raw dump/                 record the raw output for offline use
  vdpa-compat collect --from dump/ -o dst.json         a profile from a recorded dump directory
  vdpa-compat collect --source vdpa-tool -o src.yaml   only what iproute2 prints (no raw netlink)
  ssh src-host vdpa-compat collect -o - | vdpa-compat check - dst.yaml`,
  check: `
SOURCE and TARGET are profile files (.yaml, .yml, .json) or dump directories; one of them may be -,
a profile (YAML or JSON) on stdin.

Examples:
  vdpa-compat check src.yaml dst.yaml
  vdpa-compat check src-dump/ dst-dump/ --source-device vdpa0 --target-device vdpa1 -j
  ssh src-host vdpa-compat collect -o - | vdpa-compat check - dst.yaml
  vdpa-compat check src.yaml dst.yaml -q                only the checks that did not pass
  vdpa-compat check src.yaml dst.yaml --color always | less -R
  vdpa-compat check src.yaml dst.yaml --format junit > vdpa-compat.xml
  vdpa-compat check src.yaml dst.yaml --source-qemu 8.1.0 --target-qemu 8.1.0
  vdpa-compat check src.yaml dst.yaml --target-qemu "QEMU emulator version 10.0.13 (Debian 1:10.0.13+ds-0+deb13u1)"
  vdpa-compat check src.yaml dst.yaml --x-svq --rx-queue-size 1024 --tx-queue-size 1024 --host-mtu 1500
  vdpa-compat check src-dump/ dst-dump/ --allow-unverified
  vdpa-compat check src.yaml dst.yaml --policy site-policy.yaml --decision-log /var/log/vdpa-compat.jsonl
  vdpa-compat check src.yaml dst.yaml --rules our-rules.yaml
  vdpa-compat check src.yaml dst-host.yaml --target-device any     which device of this host fits, ranked
  vdpa-compat check profiles/vdpasim/k6.12-negotiated profiles/vdpasim/k6.12-mtu9000

Colour: --color auto (the default) colours a terminal only; FORCE_COLOR (not 0) turns it on,
a non-empty NO_COLOR off; --color always/never overrides both.
With --json or --format junit, every error is a document too: the error report, or one failed test case.`,
  plan: `
SOURCE is the source host's profile or dump directory; TARGET_HOST the target host's. The plan is
printed, not run: run its commands on the target host, then collect it again and check.

Examples:
  vdpa-compat plan src.yaml dst-host.yaml
  vdpa-compat plan src.yaml dst-host.yaml --source-device vdpa0 --name vdpa-mig0
  vdpa-compat plan src.yaml dst-host.yaml --target-qemu 10.0.2 --json
  vdpa-compat plan --baseline profiles/baselines/rack7.yaml dst-host.yaml
  vdpa-compat plan src.yaml --apply                                   # on the target host, as root: do it, check again
  vdpa-compat plan --baseline profiles/baselines/rack7.yaml --apply   # the same with the baseline as the source`,
  baseline: `
Each HOST is a host profile or dump directory. The baseline is written as YAML (or JSON by the -o
extension); what each host limited, and whether the device is proved there, goes to stderr.

Examples:
  vdpa-compat baseline h1.yaml h2.yaml h3.yaml --class net --name rack7 -o profiles/baselines/rack7.yaml
  vdpa-compat baseline fleet/rack7/*.yaml --name rack7 --qemu 10.0.2 --mtu 9000`,
  matrix: `
Each HOST is a host profile or dump directory. A cell is the best verdict for moving a VM's device
of that class from the row's host to the column's: a device of the target, else one a plan creates
there (P); for a host with several devices of the class, the worst of its devices.

Examples:
  vdpa-compat matrix fleet/*.yaml
  vdpa-compat matrix fleet/*.yaml --format csv > matrix.csv
  vdpa-compat matrix fleet/*.yaml --format csv --jobs 2 > matrix.csv    # the pairs over two threads, the same bytes
  vdpa-compat matrix fleet/*.yaml --format json --qemu 10.0.2 | jq '.stats'`,
  nfd: `
One line per device group of this node (vdpa-compat.CLASS.FINGERPRINT=COUNT) and per baseline it can
take (vdpa-compat.baseline.NAME=FINGERPRINT); nfd-worker labels the node with them
(feature.node.kubernetes.io/…). Run it from a timer with --expiry, so a node that stops refreshing
stops advertising.

Examples:
  vdpa-compat nfd -o /etc/kubernetes/node-feature-discovery/features.d/vdpa-compat --expiry 60
  vdpa-compat nfd --baseline profiles/baselines/rack7.yaml --from dump/
  vdpa-compat nfd rule --baseline profiles/baselines/rack7.yaml > rack7-nodefeaturerule.yaml`,
  explain: `
Examples:
  vdpa-compat explain                       list every finding code
  vdpa-compat explain mtu-match/targetSmaller   one code
  vdpa-compat explain svq-offered-features      a whole rule
  vdpa-compat explain site-min-ring --rules our-rules.yaml   a rule of a rule pack`,
  annotate: `
On the source host, before migrating, put the source devices' profiles into the domain:

  ${SET_METADATA_COMMAND}

Examples:
  vdpa-compat annotate domain.xml                      profiles of this host's devices, live
  vdpa-compat annotate domain.xml src.yaml -o meta.xml from a profile; meta.xml also serves --profile-dir
  virsh dumpxml vm1 | vdpa-compat annotate - src.yaml  the domain XML on stdin`,
  'hook qemu': `
libvirt runs the installed hook with DOMAIN OPERATION SUB-OPERATION EXTRA and the domain XML on
stdin. On "migrate begin" (on the destination) it checks every vDPA device of the domain against
the source profiles in the domain metadata; every other call exits 0 at once. It prints nothing
on stdout; each blocking finding is one line on stderr, which libvirt logs.

Examples:
  vdpa-compat hook qemu vm1 migrate begin - < vm1.xml
  vdpa-compat hook qemu --on-error allow --profile-dir /etc/vdpa-compat/domains vm1 migrate begin - < vm1.xml`,
  'hook install': `
Examples:
  vdpa-compat hook install                              /etc/libvirt/hooks/qemu.d/vdpa-compat
  vdpa-compat hook install --timeout 3000 --profile-dir /etc/vdpa-compat/domains
  vdpa-compat hook install --dir /etc/libvirt/hooks/qemu.d --name 50-vdpa-compat --force`,
  'hook status': `
Examples:
  vdpa-compat hook status                               the script in /etc/libvirt/hooks/qemu.d
  vdpa-compat hook status -q                            only the problems (nothing when healthy)
  vdpa-compat hook status --json`,
  'hook uninstall': `
Examples:
  vdpa-compat hook uninstall                            removes /etc/libvirt/hooks/qemu.d/vdpa-compat
  vdpa-compat hook uninstall --name 50-vdpa-compat`,
  completion: `
Examples:
  source <(vdpa-compat completion bash)                 in this shell
  vdpa-compat completion bash > /etc/bash_completion.d/vdpa-compat`,
};

/** The exit-status section of `check --help`: the verdicts. */
export const CHECK_EXIT_HELP = `
Exit status:
  0  identical or compatible: the migration can go ahead
  1  incompatible (this target cannot work; compatible-after-provisioning: a device \`plan\` creates on the
     target host can) or blocked by the hypervisor (QEMU refuses or breaks it whatever the target)
  2  could not decide: a fact the migration depends on could not be verified (unverified; --allow-unverified
     accepts the risk), or bad usage, unreadable or invalid input, collection failure, a write error
  With --target-device any: 0 a device of the target host fits (the best is named), 1 none does,
  2 none does but one could not be decided.`;

/** The exit-status section of `plan --help`. */
export const PLAN_EXIT_HELP = `
Exit status:
  0  a plan: its commands make a device check calls identical or compatible
  1  no plan: no management device of the target host can host such a device (each says why)
  2  could not decide: a fact the plan needs is unknown (it says how to get it), or bad usage,
     unreadable or invalid input`;

/** The exit-status section of `baseline --help`. */
export const BASELINE_EXIT_HELP = `
Exit status:
  0  complete: every host can provide the baseline device, and it migrates between every pair
  1  partial: some host cannot (each says why); the document is written all the same
  2  could not decide: a fact needed is unknown (it says which), or bad usage, unreadable or invalid input,
     a write error`;

/** The exit-status section of every other --help. */
export const EXIT_HELP = `
Exit status:
  0  the command did its job; for check and the hook: identical or compatible
  1  check and the hook: incompatible or blocked by the hypervisor
  2  could not decide: a fact could not be verified (check), bad usage, unreadable or invalid input,
     collection failure, a write error`;

/** The hook's exit statuses, as libvirt reads them. */
export const HOOK_EXIT_HELP = '\nExit status: 0 lets libvirt go on; 1 vetoes (incompatible); 2 vetoes (could not decide).';

/** `hook status`'s exit statuses. */
export const HOOK_STATUS_EXIT_HELP = '\nExit status: 0 healthy; 1 a problem found (each printed); 2 could not check.';
