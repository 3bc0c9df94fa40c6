#!/usr/bin/env bash
# Runs the adapter's unit tests as linux/arm64 binaries under qemu-user (qemu-aarch64-static, from
# scripts/install-tools.sh): the arm64 layer ships code only arm64 compiles, such as the raw socket
# system calls of adapter/internal/h1 (numbers and calling convention differ per architecture).
# Fails loudly when qemu is missing; never skips.
set -euo pipefail
cd "$(dirname "$0")/.."

qemu=$(command -v qemu-aarch64-static || true)
if [[ -z $qemu ]]; then
	echo "test-arm64: qemu-aarch64-static not found; run scripts/install-tools.sh test" >&2
	exit 1
fi
out=$(mktemp -d /tmp/lwa-arm64-XXXXXX)
trap 'rm -rf "$out"' EXIT

pkgs=(./adapter ./adapter/readiness ./adapter/cmd/lambda-adapter ./adapter/internal/h1 ./adapter/internal/httpsyntax ./adapter/event ./adapter/config ./adapter/compress ./adapter/lambdaapi)
# qemu-user emulates netlink for the route, audit and uevent families only and refuses
# NETLINK_SOCK_DIAG, so under it the readiness check runs without its sock_diag listener lookup (it
# connects every time, the fallback every other readiness test there exercises). The lookup's own
# tests run natively; these are the ones that need the kernel to answer it.
declare -A skip=([./adapter/readiness]='^(TestListenCheck|TestTCPProbeConnectsDespiteDiag)$')
for pkg in "${pkgs[@]}"; do
	bin="$out/$(echo "${pkg#./}" | tr / _).test"
	GOOS=linux GOARCH=arm64 CGO_ENABLED=0 go test -c -o "$bin" "$pkg"
	echo "test-arm64: $pkg"
	# A test binary runs in its package's directory, as go test runs it (testdata).
	(cd "$pkg" && "$qemu" "$bin" -test.count=1 -test.timeout=10m -test.skip "${skip[$pkg]:-^$}")
done
echo "test-arm64: ok (${#pkgs[@]} packages under $qemu)"
