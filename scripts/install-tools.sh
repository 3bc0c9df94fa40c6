#!/usr/bin/env bash
# Installs, pinned and idempotently, every tool the tests and the release need.
# Go tools go to $(go env GOPATH)/bin; Debian packages through apt-get (root required).
# A tool that cannot be installed fails this script loudly: tests never skip for a missing tool.
set -euo pipefail

RIE_VERSION=v0.0.0-20261030222936-bef5c4ba774d
HTTPBIN_VERSION=v2.26.0
CRANE_VERSION=v0.22.1
STATICCHECK_VERSION=v0.8.2
GORELEASER_VERSION=v2.15.1
# Supply chain (docs/verify.md): cosign signs and verifies the release; syft reads the SBOMs back.
COSIGN_VERSION=v2.6.5
SYFT_VERSION=v1.57.2

gobin=$(go env GOBIN)
[ -n "$gobin" ] || gobin="$(go env GOPATH)/bin"
stamp_dir="$gobin/.lwa-tools"
mkdir -p "$stamp_dir"

# go_tool NAME PKG VERSION: installs PKG@VERSION unless the same version is already there.
go_tool() {
  local name=$1 pkg=$2 version=$3
  if [ -x "$gobin/$name" ] && [ "$(cat "$stamp_dir/$name" 2>/dev/null)" = "$version" ]; then
    return 0
  fi
  echo "install-tools: go install $pkg@$version" >&2
  # Without the symbol table and DWARF: the tools are only run, never debugged, and linking
  # cosign, syft and goreleaser without them is a good part of a fresh machine's install time.
  GOFLAGS=-mod=mod go install -ldflags="-s -w" "$pkg@$version"
  echo "$version" >"$stamp_dir/$name"
}

# What to install: test (default: everything `make test` needs), lint, release, bench (`make
# bench`: the Go test tools and perf, for the Lambda-sized per-stage profile), or all.
want=${1:-test}
case "$want" in
  test|lint|release|bench|all) ;;
  *) echo "install-tools: unknown set '$want': use test, lint, release, bench or all" >&2; exit 2 ;;
esac

# Debian packages: validators, a real registry, qemu for the arm64 binary, gpg for release signing,
# shells for the completion scripts.
missing=()
command -v skopeo >/dev/null || missing+=(skopeo)
command -v docker-registry >/dev/null || missing+=(docker-registry)
command -v qemu-aarch64-static >/dev/null || command -v qemu-aarch64 >/dev/null || missing+=(qemu-user-static)
command -v unzip >/dev/null || missing+=(unzip)
command -v file >/dev/null || missing+=(file)
command -v gpg >/dev/null || missing+=(gnupg)
# The SBOM test validates against the SPDX JSON schema with Debian's python3-jsonschema.
# Pinned by upstream version like the examples' packages (below).
JSONSCHEMA_DEB=python3-jsonschema=4.10.3
/usr/bin/python3 -c "import jsonschema" 2>/dev/null || missing+=(python3-jsonschema)
# The examples' frameworks (examples/): Debian's packages, pinned to bookworm's upstream versions. Their
# tests run each app under the Runtime Interface Emulator with Lambda's PATH, where python3 is
# /usr/bin/python3. The pin is the upstream version, not the Debian revision: the archive keeps only the
# newest revision, so a security update (1.22.1-9+deb12u11 → u12) must not break a fresh machine's
# install; a new upstream version (a new Debian release) fails the check below loudly.
EXAMPLE_DEBS=(
  nginx=1.22.1
  python3-flask=2.2.2
  gunicorn=20.1.0
  python3-fastapi=0.92.0
  python3-uvicorn=0.17.6
)
# upstream VERSION: the Debian version without its epoch and revision.
upstream() { local v=${1#*:}; echo "${v%-*}"; }
case "$want" in
  test|all)
    for pv in "${EXAMPLE_DEBS[@]}"; do
      [ -n "$(dpkg-query -W -f='${Version}' "${pv%%=*}" 2>/dev/null)" ] || missing+=("${pv%%=*}")
    done ;;
esac
# The shells whose completion scripts lwa-pack prints (packager/usage tests load them), pinned like the
# examples' packages: by upstream version, checked after the install.
SHELL_DEBS=(zsh=5.9 fish=3.6.0)
for pv in "${SHELL_DEBS[@]}"; do
  command -v "${pv%%=*}" >/dev/null || missing+=("${pv%%=*}")
done
# perf, for the Lambda-sized bench's per-stage profile: Debian's linux-perf, pinned to bookworm's
# kernel series (6.1). Debian replaces each point release (6.1.187 → 6.1.188) in the archive, so the
# series is the pin a fresh machine can still install; another Debian release fails the check below.
PERF_SERIES=6.1
# cc, for the bench's floor of a readiness check (scripts/bench/floor/check.c): Debian's gcc, which
# this kind of machine already has; the figure is the kernel's cost, not the compiler's.
case "$want" in
  bench|all)
    [ -n "$(dpkg-query -W -f='${Version}' linux-perf 2>/dev/null)" ] || missing+=(linux-perf)
    command -v cc >/dev/null || missing+=(gcc) ;;
esac
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "install-tools: need root to apt-get install ${missing[*]}" >&2
    exit 1
  fi
  echo "install-tools: apt-get install ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

want_go=(aws-lambda-rie go-httpbin crane)
go_tool aws-lambda-rie github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie "$RIE_VERSION"
go_tool go-httpbin github.com/mccutchen/go-httpbin/v2/cmd/go-httpbin "$HTTPBIN_VERSION"
go_tool crane github.com/google/go-containerregistry/cmd/crane "$CRANE_VERSION"
case "$want" in
  # The release signs with cosign; the SBOM and release tests verify with cosign and syft.
  test|release|all)
    go_tool cosign github.com/sigstore/cosign/v2/cmd/cosign "$COSIGN_VERSION"
    go_tool syft github.com/anchore/syft/cmd/syft "$SYFT_VERSION"
    want_go+=(cosign syft) ;;
esac
case "$want" in
  lint|all) go_tool staticcheck honnef.co/go/tools/cmd/staticcheck "$STATICCHECK_VERSION"; want_go+=(staticcheck) ;;
esac
case "$want" in
  # The release end-to-end test (part of make test) runs goreleaser too.
  test|release|all) go_tool goreleaser github.com/goreleaser/goreleaser/v2 "$GORELEASER_VERSION"; want_go+=(goreleaser) ;;
esac

# The Node examples' dependencies, from their package-lock.json (npm ci), with npm's cache kept in
# .cache/npm so a second run reinstalls from disk. A stamp of the lock file's hash skips npm ci when
# node_modules already matches it.
npm_ci() {
  local dir=$1 sum
  command -v npm >/dev/null || { echo "install-tools: npm not found (Node 20 and npm are needed for $dir)" >&2; exit 1; }
  sum=$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)
  if [ "$(cat "$dir/node_modules/.lwa-lock-sha256" 2>/dev/null)" = "$sum" ]; then
    return 0
  fi
  echo "install-tools: npm ci in $dir" >&2
  (cd "$dir" && npm ci --no-audit --no-fund --prefer-offline --cache "$repo/.cache/npm" >/dev/null)
  echo "$sum" >"$dir/node_modules/.lwa-lock-sha256"
}
repo=$(cd "$(dirname "$0")/.." && pwd)
case "$want" in
  # The Express app, and the pinned CDK and TypeScript that check docs/deploy.md's CDK stacks.
  test|all) for lock in "$repo"/examples/*/package-lock.json "$repo"/examples/*/deploy/cdk/package-lock.json; do
      if [ -e "$lock" ]; then npm_ci "$(dirname "$lock")"; fi
    done ;;
esac

# Prove each tool is there, so a broken install fails here and not in the middle of a test.
for t in "${want_go[@]}"; do
  [ -x "$gobin/$t" ] || { echo "install-tools: $t missing after install" >&2; exit 1; }
done
for t in skopeo docker-registry unzip file gpg zsh fish; do
  command -v "$t" >/dev/null || { echo "install-tools: $t missing after install" >&2; exit 1; }
done
for pv in "${SHELL_DEBS[@]}"; do
  got=$(upstream "$(dpkg-query -W -f='${Version}' "${pv%%=*}")")
  [ "$got" = "${pv#*=}" ] || { echo "install-tools: ${pv%%=*} is $got, the completion tests were run with ${pv#*=}: check them and update SHELL_DEBS" >&2; exit 1; }
done
command -v qemu-aarch64-static >/dev/null || command -v qemu-aarch64 >/dev/null || { echo "install-tools: qemu-aarch64 missing after install" >&2; exit 1; }
case "$want" in
  test|all)
    for t in nginx gunicorn node; do
      command -v "$t" >/dev/null || [ -x "/usr/sbin/$t" ] || { echo "install-tools: $t missing after install" >&2; exit 1; }
    done
    /usr/bin/python3 -c 'import flask, fastapi, uvicorn, gunicorn' || { echo "install-tools: the examples' Python packages are missing for /usr/bin/python3" >&2; exit 1; }
    for pv in "${EXAMPLE_DEBS[@]}"; do
      got=$(upstream "$(dpkg-query -W -f='${Version}' "${pv%%=*}")")
      [ "$got" = "${pv#*=}" ] || { echo "install-tools: ${pv%%=*} is $got, the examples are tested with ${pv#*=}: update EXAMPLE_DEBS and the examples' requirements" >&2; exit 1; }
    done ;;
esac
/usr/bin/python3 -c "import jsonschema" || { echo "install-tools: python3-jsonschema missing after install" >&2; exit 1; }
got=$(upstream "$(dpkg-query -W -f='${Version}' "${JSONSCHEMA_DEB%%=*}")")
[ "$got" = "${JSONSCHEMA_DEB#*=}" ] || { echo "install-tools: ${JSONSCHEMA_DEB%%=*} is $got, the SBOM test is checked with ${JSONSCHEMA_DEB#*=}: update JSONSCHEMA_DEB" >&2; exit 1; }
case "$want" in
  bench|all)
    v=$(dpkg-query -W -f='${Version}' linux-perf 2>/dev/null || true)
    case "$(upstream "$v")" in
      "$PERF_SERIES".*) command -v perf >/dev/null || { echo "install-tools: perf missing after install" >&2; exit 1; } ;;
      *) echo "install-tools: linux-perf ${v:-missing}, want the $PERF_SERIES series (see PERF_SERIES)" >&2; exit 1 ;;
    esac
    command -v cc >/dev/null || { echo "install-tools: cc missing after installing gcc" >&2; exit 1; } ;;
esac
echo "install-tools: ok ($gobin)" >&2
