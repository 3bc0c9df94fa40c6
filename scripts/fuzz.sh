#!/usr/bin/env bash
# Runs every fuzz target of the module, one after another, for FUZZTIME each (default 60s).
# Targets are discovered with `go test -list '^Fuzz'` in every package that has tests, so a new
# FuzzXxx function is picked up without editing this script.
#
# A failing input is written by `go test` under the package's testdata/fuzz/FuzzXxx/: commit it, it
# becomes a regression test run by plain `go test`.
#
#   FUZZTIME=5m scripts/fuzz.sh            # longer runs
#   FUZZMINIMIZETIME=30s scripts/fuzz.sh   # time spent shrinking each new input (default 10s; go's
#                                          # default of 60s can stall a short run on minimizing)
set -euo pipefail
cd "$(dirname "$0")/.."

fuzztime=${FUZZTIME:-60s}
minimize=${FUZZMINIMIZETIME:-10s}
failed=()
ran=0

pkgs=$(go list -f '{{if or .TestGoFiles .XTestGoFiles}}{{.ImportPath}}{{end}}' ./...)
for pkg in $pkgs; do
	if ! list=$(go test -list '^Fuzz' "$pkg" 2>&1); then
		echo "fuzz.sh: cannot list the tests of $pkg:" >&2
		echo "$list" >&2
		exit 1
	fi
	for target in $(grep '^Fuzz' <<<"$list" || true); do
		echo "=== $pkg $target for $fuzztime"
		ran=$((ran + 1))
		start=$SECONDS
		if go test -run='^$' -fuzz="^${target}\$" -fuzztime="$fuzztime" -fuzzminimizetime="$minimize" "$pkg"; then
			echo "--- ok   $pkg $target ($((SECONDS - start))s)"
		else
			echo "--- FAIL $pkg $target ($((SECONDS - start))s)"
			failed+=("$pkg $target")
		fi
	done
done

if [ "$ran" -eq 0 ]; then
	echo "fuzz.sh: no fuzz targets found" >&2
	exit 1
fi
if [ "${#failed[@]}" -gt 0 ]; then
	echo "fuzz.sh: ${#failed[@]} of $ran targets failed:" >&2
	printf '  %s\n' "${failed[@]}" >&2
	exit 1
fi
echo "fuzz.sh: $ran targets passed, $fuzztime each"
