/** The tool's name and version, as in package.json (a test keeps them equal). */
export const TOOL_NAME = 'vdpa-compat';
/** Keep in step with package.json "version". */
export const TOOL_VERSION = '0.1.0';
