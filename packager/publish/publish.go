// Package publish writes lwa-pack's images to their destinations, one type per kind of target
// (as in ko): an OCI image layout, docker tarballs, a registry. Every file target is written
// under a temporary name and renamed into place, so a failure leaves nothing half-written.
package publish

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"

	"github.com/lwa-go/lwa/packager/image"
)

// Result is one thing a publisher wrote.
type Result struct {
	// Kind is "oci", "tar" or "registry".
	Kind string `json:"kind"`
	// Path is the layout directory or tarball file (oci, tar).
	Path string `json:"path,omitempty"`
	// Ref is the pushed reference, REPO:TAG@DIGEST (registry).
	Ref string `json:"ref,omitempty"`
	// Tag is the tag Ref was pushed under (registry).
	Tag string `json:"tag,omitempty"`
	// Platform is set when the result holds one platform of several (tar).
	Platform string `json:"platform,omitempty"`
	// Digest is the digest of the index or image written.
	Digest string `json:"digest"`
}

// Publisher writes an image or index to one destination.
type Publisher interface {
	// String names the destination for progress lines.
	String() string
	// Publish writes r.
	Publish(ctx context.Context, r image.Result) ([]Result, error)
}

// Checker is a Publisher that can tell before the build whether its destination is usable, so
// that a bad --output fails in a second rather than after compiling. Publish checks again.
type Checker interface {
	Check() error
}

// Kinds of --output value.
const (
	PrefixOCI = "oci:"
	PrefixTar = "tar:"
)

// ParseOutput turns an --output value into a publisher: oci:DIR for an OCI image layout, or
// tar:FILE for docker tarballs. ref is the name recorded in them.
func ParseOutput(value string, ref name.Tag) (Publisher, error) {
	switch {
	case strings.HasPrefix(value, PrefixOCI):
		dir := strings.TrimPrefix(value, PrefixOCI)
		if dir == "" {
			return nil, errors.New("oci: needs a directory, e.g. oci:dist/lambda-adapter-oci")
		}
		return Layout{Dir: dir, RefName: ref.TagStr()}, nil
	case strings.HasPrefix(value, PrefixTar):
		file := strings.TrimPrefix(value, PrefixTar)
		if file == "" || strings.HasSuffix(file, "/") {
			return nil, errors.New("tar: needs a file name, e.g. tar:dist/lambda-adapter.tar")
		}
		return Tarball{Path: file, Ref: ref}, nil
	}
	return nil, fmt.Errorf("want oci:DIR or tar:FILE")
}
