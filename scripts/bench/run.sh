#!/usr/bin/env bash
# The performance suite behind `make bench` (issue 8, docs/performance.md). Every measure is a ratio
# or a difference against its floor measured in the same run, because the machines are noisy.
#
#   scripts/bench/run.sh            # all of it, about 3-5 minutes; needs root (RIE, unshare)
#   LWA_BENCH_OUT=DIR ...           # keep the raw outputs and results.md in DIR (default: a temp dir)
#   LWA_BENCH_ADAPTER=BIN ...       # measure a prebuilt lambda-adapter (before/after comparisons)
#   LWA_BENCH_ONLY='Latency|Readiness' ...   # a subset of the system tests (go test -run syntax);
#                                            # the Go benchmarks are then skipped
#   LWA_BENCH_MEMORY=128,512,1769 ...        # also the Lambda-sized measures: each sandbox in a
#                                            # cgroup v1 CPU quota of that memory's vCPU share
#
# A missed goal is reported as MISSED in the table, not as a failure; an error (a failed
# invocation, a tool missing) fails the run.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
out=${LWA_BENCH_OUT:-$(mktemp -d /tmp/lwa-bench-XXXXXX)}
mkdir -p "$out"
results=$out/results.md
: >"$results"
begin=$(date +%s)

if [ "$(id -u)" != 0 ]; then
  echo "bench: run as root: RIE runs in a private mount and PID namespace (unshare)" >&2
  exit 1
fi

# row MEASURE FIGURE GOAL VERDICT: one line of the results table.
row() { printf '| %s | %s | %s | %s |\n' "$1" "$2" "$3" "$4" >>"$results"; }
# verdict EXPR: "met" when the awk expression holds.
verdict() { if awk "BEGIN{exit !($1)}"; then echo met; else echo MISSED; fi; }
# metric FILE BENCH UNIT: the value before UNIT on BENCH's line of a go test -bench output.
metric() {
  awk -v b="$2" -v u="$3" '$1 ~ "^"b"(-[0-9]+)?$" { for (i = 2; i <= NF; i++) if ($i == u) { print $(i-1); exit } }' "$1"
}

{
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet 2>/dev/null || echo ' (dirty tree)')"
  echo "cpus: $(nproc) × $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)"
  echo "kernel: $(uname -r)"
  echo "go: $(go version | awk '{ print $3, $4 }')"
  echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee "$out/machine.txt"

only=${LWA_BENCH_ONLY:-}
# The Lambda-sized tests (TestLambda*) run only with LWA_BENCH_MEMORY; they make and remove their
# own cgroups under the cgroup v1 cpu controller.
skip='^TestLambda'
if [ -n "${LWA_BENCH_MEMORY:-}" ]; then
  if [ ! -f /sys/fs/cgroup/cpu/cpu.cfs_quota_us ]; then
    echo "bench: LWA_BENCH_MEMORY needs the cgroup v1 cpu controller at /sys/fs/cgroup/cpu (no cpu.cfs_quota_us there): mount it or unset LWA_BENCH_MEMORY" >&2
    exit 1
  fi
  skip='^$'
  echo "memory sizes: $LWA_BENCH_MEMORY MB (cgroup v1 CPU quotas of memory/1769 of a 100 ms period)" | tee -a "$out/machine.txt"
fi
if [ -z "$only" ]; then
  echo "== Go benchmarks: forwarding, large bodies" >&2
  go test -run '^$' -bench '^(BenchmarkForward|BenchmarkLargeBody)$' -benchmem -count 1 -timeout 5m ./adapter/ | tee "$out/go-bench.txt"
  b=$out/go-bench.txt
  added=$(metric "$b" BenchmarkForward/interleaved added-p50-µs)
  direct=$(metric "$b" BenchmarkForward/interleaved direct-p50-µs)
  via=$(metric "$b" BenchmarkForward/interleaved adapter-p50-µs)
  row "forwarding overhead: decode → app → encode vs direct GET, 1 KB (median)" \
    "+${added} µs (adapter ${via} µs, direct ${direct} µs)" "≤ +100 µs" "$(verdict "$added <= 100")"
  da=$(metric "$b" BenchmarkForward/direct allocs/op)
  aa=$(metric "$b" BenchmarkForward/adapter allocs/op)
  db=$(metric "$b" BenchmarkForward/direct B/op)
  ab=$(metric "$b" BenchmarkForward/adapter B/op)
  row "allocations per invocation (adapter − direct; app's own included in both)" \
    "$((aa - da)) allocs, $((ab - db)) B (adapter ${aa} allocs/${ab} B, direct ${da}/${db})" "small" "—"
  ratio=$(metric "$b" BenchmarkLargeBody/interleaved ratio)
  cpur=$(metric "$b" BenchmarkLargeBody/interleaved cpu-ratio)
  echor=$(metric "$b" BenchmarkLargeBody/interleaved echo-ratio)
  row "large body: 6 MiB binary response buffered vs base64 of 6 MiB (median)" \
    "${ratio}× (CPU time ${cpur}×; with the 6 MiB in the request too: ${echor}×)" "≤ 3×" "$(verdict "$ratio <= 3")"

  if [ -f adapter/stream_bench_test.go ]; then
    echo "== Go benchmarks: streaming (adapter/stream_bench_test.go)" >&2
    go test -run '^$' -bench '^BenchmarkStream' -benchtime 5x -benchmem -count 1 -timeout 5m ./adapter/ | tee "$out/stream-bench.txt"
    s=$out/stream-bench.txt
    mbps=$(metric "$s" BenchmarkStreamThroughput MB/s)
    floor=$(metric "$s" BenchmarkStreamFloor MB/s)
    ttfb=$(metric "$s" BenchmarkStreamTTFB added-p50-ns)
    [ -n "$ttfb" ] || ttfb=$(metric "$s" BenchmarkStreamTTFB added-ns)
    if [ -n "$mbps" ]; then
      # The floor (net/http carrying the same GiB over the same two loopback hops) says what this
      # host's loopback allows: it differs several-fold between hosts.
      row "streaming: 1 GiB through the adapter" \
        "${mbps} MB/s; net/http alone over the same two hops ${floor:-?} MB/s ($(awk "BEGIN{ if (\"${floor}\" > 0) printf \"%.2f×\", $mbps/${floor:-1}; else print \"no floor\" }"))" \
        "≥ 1 GB/s" "$(verdict "$mbps >= 1000")"
    else
      row "streaming: 1 GiB through the adapter" "no figure (see stream-bench.txt)" "≥ 1 GB/s" "MISSED"
    fi
    if [ -n "$ttfb" ]; then
      row "streaming: added time to first byte (median)" "$(awk "BEGIN{printf \"%+.0f µs\", $ttfb/1000}")" "≤ +1 ms" "$(verdict "$ttfb <= 1000000")"
    else
      row "streaming: added time to first byte" "no figure (see stream-bench.txt)" "≤ +1 ms" "MISSED"
    fi
  else
    row "streaming" "adapter/stream_bench_test.go not present: not measured" "≤ +1 ms; ≥ 1 GB/s" "—"
  fi
fi

echo "== System tests: RIE latency, readiness, concurrency, footprint, packaging" >&2
LWA_BENCH_RESULTS=$results go test -tags bench -count=1 -v -timeout 30m -run "${only:-.}" -skip "$skip" ./scripts/bench/suite 2>&1 | tee "$out/suite.txt"

{
  echo
  echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "total: $(($(date +%s) - begin)) s"
} >>"$out/machine.txt"

echo
cat "$out/machine.txt"
echo
echo "| measure | figure | goal | verdict |"
echo "|---|---|---|---|"
cat "$results"
echo
echo "raw outputs: $out"
