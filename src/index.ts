/**
 * vdpa-compat's library API: collect profiles, load them, check a migration pair, plan a device on a
 * target host, and the libvirt pieces (annotation, hook). The front ends (src/cli, whose `hook qemu`
 * command is the hook libvirt runs) import the library from here only.
 */

// collect: the only code that reads a host.
export { collect, captureLive, observe, DEFAULT_TIMEOUT_MS, type CollectOptions, type Collected, type SourceMode } from './collect/collect.js';
export { readDump, writeDump } from './collect/dump.js';
export { DUMP_FILES, OWN_DUMP_FILES, type RawDump } from './collect/dump-layout.js';
export { qemuVersionOf } from './collect/vmm.js';

// Inputs and profiles.
export { loadInput, loadPolicy, loadRules, loadBaseline } from './input.js';
export { readInputFile } from './input-file.js';
export { parseYaml } from './yaml.js';
export { loadProfile, serializeProfile, serializeDocument, toProfile, profileFormat, MAX_PROFILE_BYTES } from './profile/load.js';
export { deviceFingerprint, canonicalDevice } from './profile/fingerprint.js';
export { PROFILE_SCHEMA_VERSION, PROFILE_FIX, type Profile, type DeviceDoc, type MgmtdevDoc, type FeatureSetDoc } from './profile/types.js';

// Rules and the verdict.
export { builtinRules } from './rules/builtin/index.js';
export { defineRule, type Rule, type Severity } from './rules/define.js';
export { type VmConfig } from './rules/context.js';
export { check, checkPrepared, compileCheck, prepareSide, type CheckOptions, type PairDecision, type PreparedSide } from './verdict/check.js';
export { decisionRecord } from './verdict/decision.js';
export { REPORT_VERSION, type Report, type ErrorReport, type Finding, type CheckResult, type Verdict, type Provisioning } from './verdict/types.js';

// Provisioning plans: a device on the target host the source's guest can move to, proved with check.
export { plan, PLAN_VERSION, DEFAULT_DEVICE_NAME, type PlanOptions, type PlanDocument, type Candidate as PlanCandidate, type Requirement as PlanRequirement } from './plan/plan.js';
export { renderPlanText } from './plan/render-text.js';
export { applyPlan, applyBaseline, type ApplyReport, type ApplyStep, type ApplyOptions } from './provision/apply.js';
export { checkHost, fitTargets, freeDeviceName, FIT_VERSION, type FitDocument, type FitEntry } from './plan/fit.js';
export { renderFitText } from './plan/render-fit.js';
export { matrix, matrixCell, deviceGroupKey, MatrixBuilder, MATRIX_VERSION, MATRIX_RANK, type MatrixDocument, type MatrixCell, type MatrixHost, type MatrixOptions } from './fleet/matrix.js';
export { decideMatrixShare, assembleMatrix, type MatrixJob, type MatrixShare, type MatrixShareOptions, type Member as MatrixMember } from './fleet/matrix.js';
export { renderMatrixTable, renderMatrixCsv, MATRIX_LETTERS } from './fleet/render.js';
export { nfdEntries, nfdFeatureFile, nfdRule, shortFingerprint, baselineEntryName, NFD_MAX_BYTES, SHORT_FINGERPRINT_HEX, type NfdEntry, type NfdOptions } from './fleet/nfd.js';
export { baseline, baselineProfile, planBaseline, baselineFingerprint, BASELINE_VERSION, type BaselineDocument, type BaselineHost, type BaselineOptions } from './plan/baseline.js';

// Renderers: the verdict is data; these turn it, or an error, into text, JSON or JUnit.
export { renderText } from './verdict/render-text.js';
export { renderJson, errorReport } from './verdict/render-json.js';
export { renderJunit, renderJunitError } from './verdict/render-junit.js';
export { renderErrorLine, summarizeError, type ErrorSummary } from './verdict/render-error.js';

// libvirt: domain XML, the annotation, the hook's decision, its script and its status.
export { buildAnnotation, compactProfile } from './libvirt/annotation.js';
export { parseDomainXml, parseAnnotationXml, MAX_DOMAIN_XML, type DomainInfo, type DomainVdpaDevice, type Annotation } from './libvirt/domain.js';
export { ANNOTATION_NS, ANNOTATION_PREFIX, SET_METADATA_COMMAND } from './libvirt/namespace.js';
export { runHook, HOOK_EXIT, type HookOptions, type HookCall } from './libvirt/hook.js';
export { hookScript, installHook, uninstallHook, type HookScriptSpec } from './libvirt/hook-install.js';
export { hookStatus, type HookStatus } from './libvirt/hook-status.js';

// Errors, output files, terminal-safe text, the version.
export { ToolError, UsageError, InputError, CollectError, ValidationError, type ErrorCode } from './errors.js';
export { stageFile, writeFileAtomic, appendLine } from './output-file.js';
export { escapeControls } from './control-chars.js';
export { TOOL_VERSION } from './version.js';
