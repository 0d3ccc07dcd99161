/**
 * Our element in a domain's `<metadata>` (one element per namespace URI,
 * libvirt docs/formatdomain.rst "General metadata") and the command that puts
 * it there. Kept apart from the XML code so the hook's fast path and the help
 * text can name them without loading a parser.
 */

/** The namespace URI readers match, whatever prefix libvirt gives the element. */
export const ANNOTATION_NS = 'https://vdpa-compat.dev/xmlns/source-profiles/1';

/** The prefix we ask for (virsh --key) and write in the namespaced form. */
export const ANNOTATION_PREFIX = 'vdpa-compat';

/** How an operator or orchestrator annotates a domain on the source host. */
export const SET_METADATA_COMMAND = `virsh metadata DOMAIN --uri ${ANNOTATION_NS} --key ${ANNOTATION_PREFIX} --set "$(virsh dumpxml DOMAIN | vdpa-compat annotate -)" --live`;
