// Preloaded into a benchmarked process (node --require): at exit, writes the process's peak
// resident set (getrusage ru_maxrss) to the file $VDPA_COMPAT_BENCH_RSS, so the benchmark can
// report the memory of a real CLI run without wrapping it in /usr/bin/time.
const file = process.env.VDPA_COMPAT_BENCH_RSS;
if (file) process.on('exit', () => require('node:fs').writeFileSync(file, String(process.resourceUsage().maxRSS * 1024)));
