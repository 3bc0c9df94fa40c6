// Package provenance writes the release's SLSA provenance: an in-toto v1 statement whose subjects
// are every released file and image digest and whose predicate (SLSA provenance v1) names the
// source commit, the builder and the build parameters.
//
// The predicate alone is what `cosign attest --type slsaprovenance1` attaches to the image; the
// whole statement is what the release ships as a file.
package provenance

import (
	"bufio"
	"encoding/hex"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/lwa-go/lwa/packager/output"
)

// Type URIs fixed by in-toto (Statement v1) and SLSA (provenance v1).
const (
	StatementType = "https://in-toto.io/Statement/v1"
	PredicateType = "https://slsa.dev/provenance/v1"
	// BuildType says how to read externalParameters and internalParameters: docs/release.md.
	BuildType = "https://github.com/lwa-go/lwa/blob/main/docs/release.md#provenance"
)

// Statement is an in-toto v1 statement.
type Statement struct {
	Type          string     `json:"_type"`
	Subject       []Resource `json:"subject"`
	PredicateType string     `json:"predicateType"`
	Predicate     Predicate  `json:"predicate"`
}

// Resource is an in-toto ResourceDescriptor: a subject, or a dependency of the build.
type Resource struct {
	Name   string            `json:"name,omitempty"`
	URI    string            `json:"uri,omitempty"`
	Digest map[string]string `json:"digest"`
}

// Predicate is an SLSA v1 provenance predicate.
type Predicate struct {
	BuildDefinition BuildDefinition `json:"buildDefinition"`
	RunDetails      RunDetails      `json:"runDetails"`
}

// BuildDefinition is what was built, from what, with which parameters.
type BuildDefinition struct {
	BuildType            string            `json:"buildType"`
	ExternalParameters   map[string]string `json:"externalParameters"`
	InternalParameters   map[string]string `json:"internalParameters,omitempty"`
	ResolvedDependencies []Resource        `json:"resolvedDependencies"`
}

// RunDetails is who built it.
type RunDetails struct {
	Builder  Builder   `json:"builder"`
	Metadata *Metadata `json:"metadata,omitempty"`
}

// Builder identifies the build platform and its tools' versions.
type Builder struct {
	ID      string            `json:"id"`
	Version map[string]string `json:"version,omitempty"`
}

// Metadata identifies one run of the builder (a CI run id), when there is one.
type Metadata struct {
	InvocationID string `json:"invocationId,omitempty"`
}

// Build is what the release knows about itself.
type Build struct {
	// Repository is the source repository's URL, e.g. https://github.com/lwa-go/lwa.
	Repository string
	// Commit is the full commit hash built; Ref the tag (or branch) it was built from.
	Commit, Ref string
	Version     string
	// SourceDateEpoch is the commit time every artifact is stamped with.
	SourceDateEpoch string
	// Image is the image reference pushed, without digest.
	Image string
	// BuilderID identifies the build platform (a CI workflow's URL); BuilderVersion its tools.
	BuilderID      string
	BuilderVersion map[string]string
	// Internal are the parameters the build platform chose (Go version, flags).
	Internal map[string]string
	// InvocationID is the CI run, if any.
	InvocationID string
}

// NewPredicate builds the predicate for b.
func NewPredicate(b Build) (Predicate, error) {
	if len(b.Commit) != 40 || !isHex(b.Commit) {
		return Predicate{}, fmt.Errorf("provenance: commit %q is not a full git commit hash", b.Commit)
	}
	for name, v := range map[string]string{"repository": b.Repository, "version": b.Version, "builder id": b.BuilderID} {
		if v == "" {
			return Predicate{}, fmt.Errorf("provenance: the %s is empty", name)
		}
	}
	ext := map[string]string{
		"repository":      b.Repository,
		"version":         b.Version,
		"sourceDateEpoch": b.SourceDateEpoch,
	}
	if b.Ref != "" {
		ext["ref"] = b.Ref
	}
	if b.Image != "" {
		ext["image"] = b.Image
	}
	source := "git+" + b.Repository
	if b.Ref != "" {
		source += "@" + b.Ref
	}
	p := Predicate{
		BuildDefinition: BuildDefinition{
			BuildType:            BuildType,
			ExternalParameters:   ext,
			InternalParameters:   b.Internal,
			ResolvedDependencies: []Resource{{URI: source, Digest: map[string]string{"gitCommit": b.Commit}}},
		},
		RunDetails: RunDetails{Builder: Builder{ID: b.BuilderID, Version: b.BuilderVersion}},
	}
	if b.InvocationID != "" {
		p.RunDetails.Metadata = &Metadata{InvocationID: b.InvocationID}
	}
	return p, nil
}

// NewStatement wraps the predicate with its subjects, sorted by name then digest.
func NewStatement(subjects []Resource, p Predicate) (Statement, error) {
	if len(subjects) == 0 {
		return Statement{}, fmt.Errorf("provenance: no subjects")
	}
	s := slices.Clone(subjects)
	slices.SortFunc(s, func(a, b Resource) int {
		if c := strings.Compare(a.Name, b.Name); c != 0 {
			return c
		}
		return strings.Compare(a.Digest["sha256"], b.Digest["sha256"])
	})
	return Statement{Type: StatementType, Subject: s, PredicateType: PredicateType, Predicate: p}, nil
}

// FileSubjects reads a sha256sum-format checksums file (SHA256SUMS) into subjects, one per file.
func FileSubjects(r io.Reader) ([]Resource, error) {
	var out []Resource
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if line == "" {
			continue
		}
		sum, name, ok := strings.Cut(line, "  ")
		name = strings.TrimPrefix(name, "*")
		if !ok || len(sum) != 64 || !isHex(sum) || name == "" {
			return nil, fmt.Errorf("provenance: checksums line %d %q is not \"<sha256>  <file>\"", n, line)
		}
		out = append(out, Resource{Name: name, Digest: map[string]string{"sha256": sum}})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("provenance: read checksums: %w", err)
	}
	return out, nil
}

// ImageSubject is the subject for one image manifest or index: ref is the repository (and tag),
// digest "sha256:<hex>".
func ImageSubject(ref, digest string) (Resource, error) {
	alg, hexSum, ok := strings.Cut(digest, ":")
	if !ok || alg != "sha256" || len(hexSum) != 64 || !isHex(hexSum) {
		return Resource{}, fmt.Errorf("provenance: image digest %q is not sha256:<hex>", digest)
	}
	return Resource{Name: ref, Digest: map[string]string{"sha256": hexSum}}, nil
}

// JSON encodes v (a Statement or a Predicate) indented, with a final newline.
func JSON(v any) ([]byte, error) {
	data, err := output.JSON(v)
	if err != nil {
		return nil, fmt.Errorf("provenance: encode: %w", err)
	}
	return data, nil
}

func isHex(s string) bool {
	_, err := hex.DecodeString(s)
	return err == nil && strings.ToLower(s) == s
}
