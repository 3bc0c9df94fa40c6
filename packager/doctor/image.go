package doctor

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/lwa-go/lwa/packager/image"
	"github.com/lwa-go/lwa/packager/registry"
)

// Image is what the checks know of an image target.
type Image struct {
	// Index is set when the target is an image index; Platforms lists its linux images.
	Index     bool
	Platforms []string
	// AdapterOnly marks lwa-pack's adapter image (FROM scratch, entrypoint /lambda-adapter): a
	// source to copy the adapter from, not a function, so function checks do not apply.
	AdapterOnly bool
	// Platform is the checked image's os/arch (chosen by --arch in an index, else the first);
	// Arch is its architecture as Lambda names it (x86_64, arm64).
	Platform, Arch string
	Config         v1.Config
	// CompressedBytes is the sum of the layers' sizes in the manifest.
	CompressedBytes int64
	// Layers is the image's layer count; LayersRead how many were downloaded to find the files.
	Layers, LayersRead int
}

// imageSource is an image or index, before a platform is chosen.
type imageSource = image.Base

// openImageSource reads a local OCI layout or docker tarball, else treats ref as a registry
// reference.
func openImageSource(ctx context.Context, ref string, client registry.Client) (imageSource, error) {
	if st, err := os.Stat(ref); err == nil {
		if st.IsDir() {
			return openLayout(ref)
		}
		img, err := tarball.ImageFromPath(ref, nil)
		if err != nil {
			return imageSource{}, fmt.Errorf("%s is not a zip, an OCI layout or a docker tarball: %w", ref, err)
		}
		return imageSource{Image: img}, nil
	}
	r, err := client.ParseReference(ref)
	if err != nil {
		return imageSource{}, fmt.Errorf("%s: no such file or directory, and not an image reference: %w", ref, err)
	}
	src, err := client.Fetch(ctx, r)
	if err != nil {
		return imageSource{}, fmt.Errorf("image %s: %w", ref, err)
	}
	return src, nil
}

// openLayout reads an OCI layout: its index.json's one image entry (an image or an index;
// referrers such as SBOMs aside), or index.json itself when it lists several images.
func openLayout(dir string) (imageSource, error) {
	if _, err := os.Stat(filepath.Join(dir, "oci-layout")); err != nil {
		return imageSource{}, fmt.Errorf("%s is a directory without var/task, opt or an oci-layout file: %w", dir, err)
	}
	idx, err := layout.ImageIndexFromPath(dir)
	if err != nil {
		return imageSource{}, fmt.Errorf("OCI layout %s: %w", dir, err)
	}
	im, err := idx.IndexManifest()
	if err != nil {
		return imageSource{}, fmt.Errorf("OCI layout %s: %w", dir, err)
	}
	// lwa-pack lists the SBOM referrers after the image.
	var images []v1.Descriptor
	for _, m := range im.Manifests {
		if !isArtifact(m) {
			images = append(images, m)
		}
	}
	if len(images) != 1 {
		return imageSource{Index: idx}, nil
	}
	d := images[0]
	if d.MediaType.IsIndex() {
		child, err := idx.ImageIndex(d.Digest)
		if err != nil {
			return imageSource{}, fmt.Errorf("OCI layout %s: %w", dir, err)
		}
		return imageSource{Index: child}, nil
	}
	img, err := idx.Image(d.Digest)
	if err != nil {
		return imageSource{}, fmt.Errorf("OCI layout %s: %w", dir, err)
	}
	return imageSource{Image: img}, nil
}

// isArtifact tells an artifact manifest (an SBOM referrer) from an image's: go-containerregistry
// also fills artifactType for images, with their config's media type.
func isArtifact(d v1.Descriptor) bool {
	switch d.ArtifactType {
	case "", string(types.OCIConfigJSON), string(types.DockerConfigJSON):
		return false
	}
	return true
}

// choose picks the image to check: the only one, or in an index the one for arch (Lambda's
// name; "" picks the first linux image). It returns nil, without error, when the index has no
// image for arch.
func choose(src imageSource, arch string, info *Image) (v1.Image, error) {
	if src.Index == nil {
		return src.Image, nil
	}
	info.Index = true
	im, err := src.Index.IndexManifest()
	if err != nil {
		return nil, fmt.Errorf("read index: %w", err)
	}
	var pick *v1.Descriptor
	for i, d := range im.Manifests {
		if d.Platform == nil || d.Platform.OS != "linux" || !d.MediaType.IsImage() {
			continue
		}
		info.Platforms = append(info.Platforms, platformString(d.Platform))
		if pick == nil && (arch == "" || lambdaArch(d.Platform.Architecture) == arch) {
			pick = &im.Manifests[i]
		}
	}
	if pick == nil {
		if len(info.Platforms) == 0 {
			return nil, errors.New("the index lists no linux image")
		}
		return nil, nil
	}
	return src.Index.Image(pick.Digest)
}

func platformString(p *v1.Platform) string {
	s := p.OS + "/" + p.Architecture
	if p.Variant != "" {
		s += "/" + p.Variant
	}
	return s
}

// lambdaArch maps an OCI or Go architecture to Lambda's name.
func lambdaArch(a string) string {
	if a == "amd64" {
		return "x86_64"
	}
	return a
}

// describe fills info from img's manifest and config.
func describe(img v1.Image, info *Image) error {
	cf, err := img.ConfigFile()
	if err != nil {
		return fmt.Errorf("read image config: %w", err)
	}
	m, err := img.Manifest()
	if err != nil {
		return fmt.Errorf("read image manifest: %w", err)
	}
	info.Config = cf.Config
	info.Platform = platformString(&v1.Platform{OS: cf.OS, Architecture: cf.Architecture, Variant: cf.Variant})
	info.Arch = lambdaArch(cf.Architecture)
	info.Layers = len(m.Layers)
	for _, l := range m.Layers {
		info.CompressedBytes += l.Size
	}
	ep := cf.Config.Entrypoint
	info.AdapterOnly = cf.Config.Labels["org.opencontainers.image.title"] == "lambda-adapter" &&
		len(ep) == 1 && ep[0] == "/lambda-adapter"
	return nil
}
