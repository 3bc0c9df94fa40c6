// Package imagetest has the test helpers that packages consuming image results share: an adapter
// image built as lwa-pack builds it, and digests without error plumbing.
package imagetest

import (
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/lwa-go/lwa/packager/image"
	"github.com/lwa-go/lwa/packager/platform"
)

// Created is the time Adapter stamps its images with.
var Created = time.Unix(1700000000, 0)

// Adapter builds the adapter image of version for platforms with image.Adapter, from small
// stand-in binaries: an index for several platforms, the image for one.
func Adapter(t testing.TB, version string, platforms ...platform.Platform) image.Result {
	t.Helper()
	var bins []image.Binary
	for _, p := range platforms {
		bins = append(bins, image.Binary{Platform: p, Data: []byte("adapter for " + p.String())})
	}
	r, err := image.Adapter(t.Context(), bins, image.Options{Version: version, Created: Created})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// Digest returns d's digest, failing the test if it cannot be computed.
func Digest(t testing.TB, d interface{ Digest() (v1.Hash, error) }) v1.Hash {
	t.Helper()
	h, err := d.Digest()
	if err != nil {
		t.Fatal(err)
	}
	return h
}
