/**
 * `vdpa-compat annotate`: the `<metadata>` element that carries the source
 * devices' profiles to the destination hook inside the domain XML (libvirt
 * docs/formatdomain.rst "General metadata"; virDomainSetMetadata). One
 * compact, validated profile per vdpa device of the domain, keyed the way the guest knows the device (interface MAC, disk
 * target), because the `/dev/vhost-vdpa-N` path differs between hosts.
 */
import { XMLBuilder } from 'fast-xml-parser';
import { InputError } from '../errors.js';
import { deviceFingerprint } from '../profile/fingerprint.js';
import type { Profile } from '../profile/types.js';
import { TOOL_NAME, TOOL_VERSION } from '../version.js';
import type { AnnotatedVmm, DomainInfo } from './domain.js';
import { ANNOTATION_NS, ANNOTATION_PREFIX } from './namespace.js';

/** The source VMM as the annotation's <vmm> element: what runs the domain there. */
function vmmElement(vmm: AnnotatedVmm): Record<string, string> {
  return {
    ...(vmm.emulator !== null ? { '@emulator': vmm.emulator } : {}),
    ...(vmm.version !== null ? { '@version': vmm.version } : {}),
    ...(vmm.versionText !== null ? { '@version-text': vmm.versionText } : {}),
    ...(vmm.xSvq !== null ? { '@x-svq': vmm.xSvq ? 'on' : 'off' } : {}),
  };
}

/** One device's profile: the host, its management device, and the device only. */
export function compactProfile(profile: Profile, deviceIndex: number): Profile {
  const device = profile.devices[deviceIndex];
  if (!device) throw new RangeError(`no device ${deviceIndex}`);
  return { ...profile, mgmtdevs: profile.mgmtdevs.filter((m) => m.handle === device.mgmtdev), devices: [{ ...device, fingerprint: deviceFingerprint(device) }] };
}

/**
 * The metadata element for a domain, from the profile of the host it runs on.
 * By default without a namespace, as virDomainSetMetadata and `virsh metadata
 * --set` want it: libvirt adds the namespace of --uri with the prefix of --key
 * and refuses an element that already declares that prefix (libvirt 9.0:
 * "failed to create a new XML namespace"). `namespaced` gives the form to
 * paste into a domain XML by hand. `where` names the profile in messages,
 * `options.domainFile` the domain XML (the file at fault when a device of
 * the domain is not in the profile).
 */
export function buildAnnotation(domain: DomainInfo, profile: Profile | null, where: string, options: { namespaced?: boolean; vmm?: AnnotatedVmm; domainFile?: string } = {}): string {
  // A domain without vDPA devices gets an empty element: the hook lets it in without one, and
  // `virsh metadata … --set "$(… | vdpa-compat annotate -)"` must not fail for it.
  const entries = domain.devices.map((d) => {
    if (profile === null) throw new RangeError('buildAnnotation: a domain with vDPA devices needs the source profile');
    const index = profile.devices.findIndex((p) => p.charDev !== null && p.charDev === d.charDev);
    if (index === -1) {
      const known = profile.devices.filter((p) => p.charDev !== null).map((p) => `${p.name}=${p.charDev}`);
      throw new InputError(
        'DOMAIN_DEVICE_NOT_IN_PROFILE',
        `${options.domainFile ?? 'the domain XML'}: ${d.kind} ${d.key} uses ${d.charDev ?? 'no <source dev>'}, which no vdpa device of the profile is bound to (${where}: ${known.length > 0 ? known.join(', ') : 'no char devices'})`,
        'Annotate on the host the domain runs on, with its live devices or a profile of them from a dump with sysfs.json (the char devices come from sysfs).',
      );
    }
    const compact = compactProfile(profile, index);
    return {
      '@kind': d.kind,
      ...(d.kind === 'disk' ? { '@target': d.key } : { '@mac': d.key }),
      '@fingerprint': compact.devices[0]?.fingerprint ?? '',
      // How the source QEMU drives the device: the ring sizes the stream will carry, host_mtu, the model.
      ...(d.rxQueueSize !== null ? { '@rx-queue-size': d.rxQueueSize } : {}),
      ...(d.txQueueSize !== null ? { '@tx-queue-size': d.txQueueSize } : {}),
      ...(d.hostMtu !== null ? { '@host-mtu': d.hostMtu } : {}),
      ...(d.model !== null ? { '@model': d.model } : {}),
      // CDATA keeps the JSON readable; a reader gets the same text either way.
      '#cdata': JSON.stringify(compact),
    };
  });
  const builder = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: '@', cdataPropName: '#cdata', format: true, indentBy: '  ', suppressEmptyNode: true });
  const root = options.namespaced ? `${ANNOTATION_PREFIX}:source-profiles` : 'source-profiles';
  return builder.build({
    [root]: {
      ...(options.namespaced ? { [`@xmlns:${ANNOTATION_PREFIX}`]: ANNOTATION_NS } : {}),
      '@generator': `${TOOL_NAME} ${TOOL_VERSION}`,
      ...(options.vmm !== undefined ? { vmm: vmmElement(options.vmm) } : {}),
      ...(entries.length > 0 ? { device: entries } : {}),
    },
  });
}
