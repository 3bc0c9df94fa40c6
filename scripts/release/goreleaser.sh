#!/usr/bin/env bash
# Runs the pinned goreleaser (scripts/install-tools.sh release) with the arguments given, e.g.
#   scripts/release/goreleaser.sh check
#   scripts/release/goreleaser.sh release --snapshot --clean --skip=publish
#
# goreleaser v2.15 reads the commit, its date and the tags with git, but when `git ls-remote
# --get-url` fails (a repository with no remote, as in a fresh `git init` or a bare CI copy) it
# throws all of that away in a snapshot: version 0.0.0-SNAPSHOT-none, commit "none", and a
# CommitTimestamp in year 1, which breaks reproducible timestamps. With no remote, this gives git
# the canonical one through GIT_CONFIG_* for this run only: nothing is written to .git/config and
# nothing is fetched.
set -euo pipefail

canonical_remote=https://github.com/lwa-go/lwa.git

gobin=$(go env GOBIN)
[ -n "$gobin" ] || gobin="$(go env GOPATH)/bin"
goreleaser="$gobin/goreleaser"
if [ ! -x "$goreleaser" ]; then
  goreleaser=$(command -v goreleaser || true)
fi
if [ -z "$goreleaser" ]; then
  echo "goreleaser.sh: goreleaser not found in $gobin or PATH: run scripts/install-tools.sh release" >&2
  exit 1
fi

cd "$(git rev-parse --show-toplevel)"
if [ -z "$(git remote)" ]; then
  n=${GIT_CONFIG_COUNT:-0}
  export "GIT_CONFIG_KEY_$n=remote.origin.url" "GIT_CONFIG_VALUE_$n=$canonical_remote"
  export GIT_CONFIG_COUNT=$((n + 1))
fi
exec "$goreleaser" "$@"
