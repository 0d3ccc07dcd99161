/** vdpa-compat's library API: collect profiles, load them, check a migration pair. */
export { collect, captureLive, observe, DEFAULT_TIMEOUT_MS, type CollectOptions, type Collected } from './collect/collect.js';
export { readDump, writeDump } from './collect/dump.js';
export { DUMP_FILES, OWN_DUMP_FILES, type RawDump } from './collect/dump-layout.js';
export { loadProfile, serializeProfile, toProfile } from './profile/load.js';
export { loadInput } from './input.js';
export { deviceFingerprint, canonicalDevice } from './profile/fingerprint.js';
export { PROFILE_SCHEMA_VERSION, type Profile, type DeviceDoc, type MgmtdevDoc, type FeatureSetDoc } from './profile/types.js';
export { check, type CheckOptions } from './verdict/check.js';
export { renderText } from './verdict/render-text.js';
export { renderJson } from './verdict/render-json.js';
export { REPORT_VERSION, type Report, type ErrorReport, type Finding, type CheckResult, type Verdict } from './verdict/types.js';
export { builtinRules } from './rules/builtin/index.js';
export { defineRule, type Rule, type Severity } from './rules/define.js';
export { ToolError, UsageError, InputError, CollectError, ValidationError, type ErrorCode } from './errors.js';
export { buildAnnotation, compactProfile } from './hook/annotation.js';
export { parseDomainXml, parseAnnotationXml, ANNOTATION_NS, type DomainInfo, type DomainVdpaDevice } from './hook/domain.js';
export { runHook, HOOK_EXIT, type HookOptions, type HookCall } from './hook/libvirt.js';
export { renderJunit } from './verdict/render-junit.js';
