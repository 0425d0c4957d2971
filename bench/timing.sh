# Shared by the benchmark drivers (sourced, after they set $tmp): timing helpers.

# The smallest of the numbers on stdin, one per line.
best() { sort -n | sed -n 1p; }
# Wall seconds of one run of a shell command line, to the millisecond ($EPOCHREALTIME; /usr/bin/time's %e rounds
# to 10 ms, a sixth of a query). Output goes nowhere; a failure prints its stderr and ends the benchmark.
wall() {
  local start=$EPOCHREALTIME
  bash -c "$1" >/dev/null 2>"$tmp/err" || { cat "$tmp/err" >&2; exit 1; }
  awk -v s="$start" -v e="$EPOCHREALTIME" 'BEGIN { printf "%.4f\n", e - s }'
}
