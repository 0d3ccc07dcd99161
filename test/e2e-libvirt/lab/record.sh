# rec NAME CMD...: runs CMD and keeps what it printed and how it ended in $RUN/cmd/NNN-NAME.{stdout,stderr,rc}
# (sourced by the scenarios). INDEX.tsv lists every command in order with its exit status and wall time,
# so the test side reads results by name and a person can replay the run by eye.
REC_N=0
rec() {
  local name start rc
  REC_N=$((REC_N + 1)); name=$(printf '%03d-%s' "$REC_N" "$1"); shift
  mkdir -p "$RUN/cmd"
  start=$(date +%s.%N)
  "$@" > "$RUN/cmd/$name.stdout" 2> "$RUN/cmd/$name.stderr" < /dev/null
  rc=$?
  echo "$rc" > "$RUN/cmd/$name.rc"
  printf '%s\t%s\t%.1fs\t%s\n' "$name" "$rc" "$(echo "$(date +%s.%N) - $start" | bc)" "$*" >> "$RUN/cmd/INDEX.tsv"
  echo "[$name] rc=$rc"
  return $rc
}
