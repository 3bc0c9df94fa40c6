// Package releasetest checks the release pipeline end to end (build tag e2e): goreleaser's
// snapshot release of a clone of HEAD, its archives and checksums, and that its layer zips are
// byte-identical to `lwa-pack layer`'s for the same version and commit time. See docs/release.md.
package releasetest
