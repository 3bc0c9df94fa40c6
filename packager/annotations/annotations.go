// Package annotations computes the OCI annotations and config labels lwa-pack puts on its images:
// the image spec's org.opencontainers.image.* defaults (from the version, SOURCE_DATE_EPOCH, the
// module and git) and the user's --annotation / --label K=V pairs.
package annotations

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"os/exec"
	"strings"
	"time"
)

// Keys from the OCI image spec (annotations.md) that lwa-pack sets by default.
const (
	Created    = "org.opencontainers.image.created"
	Version    = "org.opencontainers.image.version"
	Revision   = "org.opencontainers.image.revision"
	Source     = "org.opencontainers.image.source"
	Title      = "org.opencontainers.image.title"
	Licenses   = "org.opencontainers.image.licenses"
	BaseName   = "org.opencontainers.image.base.name"
	BaseDigest = "org.opencontainers.image.base.digest"
)

// Repository is the adapter's source: every image lwa-pack builds carries its code.
const Repository = "https://github.com/lwa-go/lwa"

// License is the adapter's license, as an SPDX expression.
const License = "Apache-2.0"

// Info is what the defaults are made from.
type Info struct {
	Version string
	// Created is SOURCE_DATE_EPOCH, so annotated digests stay reproducible.
	Created time.Time
	// Revision is the git commit the adapter was built from; empty when not known (a prebuilt
	// binary, or the module fetched at a version), and then not set.
	Revision string
	// BaseName and BaseDigest describe the --base image, when there is one.
	BaseName, BaseDigest string
}

// Defaults are the org.opencontainers.image.* annotations for info; empty values are left out.
func Defaults(info Info) map[string]string {
	m := map[string]string{
		Created:  info.Created.UTC().Format(time.RFC3339),
		Version:  info.Version,
		Revision: info.Revision,
		Source:   Repository,
		Title:    "lambda-adapter",
		Licenses: License,
	}
	if info.BaseName != "" {
		m[BaseName], m[BaseDigest] = info.BaseName, info.BaseDigest
	}
	maps.DeleteFunc(m, func(_, v string) bool { return v == "" })
	return m
}

// Parse reads K=V pairs given to flag (named in errors, e.g. "--annotation"). Later pairs win.
func Parse(flag string, pairs []string) (map[string]string, error) {
	m := map[string]string{}
	for _, p := range pairs {
		k, v, ok := strings.Cut(p, "=")
		k = strings.TrimSpace(k)
		if !ok || k == "" {
			return nil, fmt.Errorf("%s %q: want KEY=VALUE (e.g. %s org.opencontainers.image.vendor=Example)", flag, p, flag)
		}
		if strings.ContainsAny(k, " \t\n") {
			return nil, fmt.Errorf("%s %q: the key has white space", flag, p)
		}
		m[k] = v
	}
	return m, nil
}

// Merge returns defaults (when useDefaults) overridden by user's pairs; nil when both are empty,
// so an image without annotations keeps the exact manifest it had before annotations existed.
func Merge(useDefaults bool, defaults, user map[string]string) map[string]string {
	out := map[string]string{}
	if useDefaults {
		maps.Copy(out, defaults)
	}
	maps.Copy(out, user)
	if len(out) == 0 {
		return nil
	}
	return out
}

// GitRevision returns the commit checked out in dir, or "" when there is none to state: not a
// git checkout, no git, or uncommitted changes to tracked files (the commit would then name code
// the image does not hold). The revision is optional, so none of these is an error.
func GitRevision(ctx context.Context, dir string) string {
	run := func(args ...string) (string, bool) {
		cmd := exec.CommandContext(ctx, "git", args...)
		cmd.Dir = dir
		var out bytes.Buffer
		cmd.Stdout = &out
		if err := cmd.Run(); err != nil {
			return "", false
		}
		return strings.TrimSpace(out.String()), true
	}
	rev, ok := run("rev-parse", "--verify", "HEAD")
	if !ok || len(rev) != 40 {
		return ""
	}
	status, ok := run("status", "--porcelain", "--untracked-files=no")
	if !ok || status != "" {
		return ""
	}
	return rev
}
