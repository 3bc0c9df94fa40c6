package image

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/partial"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// Paths inside the image, as tar entry names (no leading slash).
const (
	optDir        = "opt/"
	extensionsDir = "opt/extensions/"
	adapterPath   = "opt/extensions/lambda-adapter"
	// rootLink is the path AWS's documentation copies from: COPY --from=... /lambda-adapter ...
	rootLink = "lambda-adapter"
)

// LayerOptions shape the adapter layer.
type LayerOptions struct {
	// MediaType is the layer's media type: types.OCILayer, or types.DockerLayer inside a Docker
	// manifest.
	MediaType types.MediaType
	// ModTime stamps every entry.
	ModTime time.Time
	// RootLink adds /lambda-adapter as a hard link to the binary (the adapter image has it; a
	// layer appended to a user's image does not).
	RootLink bool
	// Dirs holds headers to reuse for opt/ and opt/extensions/ (keyed by those names), so
	// appending to a base keeps the base's own directory metadata. Missing ones are 0755 root.
	Dirs map[string]*tar.Header
}

// Layer builds the adapter layer: /opt/ and /opt/extensions/ directory entries (without them
// Docker creates /opt/extensions with mode 0600), /opt/extensions/lambda-adapter 0755 root, and
// optionally the /lambda-adapter hard link. The entries come in a fixed order (the link after its
// target, as extractors require) with fixed times, and the gzip stream is made once here, so the
// same binary and options give the same digest.
func Layer(binary []byte, o LayerOptions) (v1.Layer, error) {
	if o.MediaType == "" {
		o.MediaType = types.OCILayer
	}
	mod := o.ModTime.UTC().Truncate(time.Second)
	var raw bytes.Buffer
	tw := tar.NewWriter(&raw)
	entries := []*tar.Header{
		dirHeader(optDir, o.Dirs, mod),
		dirHeader(extensionsDir, o.Dirs, mod),
		{Typeflag: tar.TypeReg, Name: adapterPath, Mode: 0o755, Size: int64(len(binary)), ModTime: mod},
	}
	if o.RootLink {
		entries = append(entries, &tar.Header{Typeflag: tar.TypeLink, Name: rootLink, Linkname: adapterPath, Mode: 0o755, ModTime: mod})
	}
	for _, h := range entries {
		if err := tw.WriteHeader(h); err != nil {
			return nil, fmt.Errorf("adapter layer: %s: %w", h.Name, err)
		}
		if h.Typeflag == tar.TypeReg {
			if _, err := tw.Write(binary); err != nil {
				return nil, fmt.Errorf("adapter layer: %s: %w", h.Name, err)
			}
		}
	}
	if err := tw.Close(); err != nil {
		return nil, fmt.Errorf("adapter layer: %w", err)
	}

	var gz bytes.Buffer
	zw, err := gzip.NewWriterLevel(&gz, gzip.DefaultCompression)
	if err != nil {
		return nil, fmt.Errorf("adapter layer: %w", err)
	}
	if _, err := zw.Write(raw.Bytes()); err != nil {
		return nil, fmt.Errorf("adapter layer: gzip: %w", err)
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("adapter layer: gzip: %w", err)
	}
	blob := gz.Bytes()
	layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(blob)), nil
	}, tarball.WithMediaType(o.MediaType))
	if err != nil {
		return nil, fmt.Errorf("adapter layer: %w", err)
	}
	return plainLayer{layer}, nil
}

// plainLayer drops the empty annotations map tarball layers report in their descriptor: the
// manifest JSON omits it anyway, but the in-memory manifest then differs from the parsed one and
// validate.Image rejects the image.
type plainLayer struct{ v1.Layer }

// Descriptor implements partial's withDescriptor.
func (l plainLayer) Descriptor() (*v1.Descriptor, error) {
	d, err := partial.Descriptor(l.Layer)
	if err != nil {
		return nil, err
	}
	if len(d.Annotations) == 0 {
		d.Annotations = nil
	}
	return d, nil
}

// dirHeader returns the header for a directory entry: a copy of the base's when there is one,
// else 0755 owned by root.
func dirHeader(name string, dirs map[string]*tar.Header, mod time.Time) *tar.Header {
	if h, ok := dirs[name]; ok && h != nil {
		// Mode, owner and mtime are what keep /opt as the base had it; the rest (format, atime,
		// xattrs) would only make the layer depend on how the base was archived.
		return &tar.Header{
			Typeflag: tar.TypeDir, Name: name, Mode: h.Mode,
			Uid: h.Uid, Gid: h.Gid, Uname: h.Uname, Gname: h.Gname, ModTime: h.ModTime,
		}
	}
	return &tar.Header{Typeflag: tar.TypeDir, Name: name, Mode: 0o755, ModTime: mod}
}
