// Package artifact wraps the adapter layer in an OCI 1.1 artifact manifest, so that
// `lwa-pack image --layer-only --push` leaves something a registry can name: a tag and a digest
// that crane, ORAS and skopeo can pull, instead of a bare blob. The manifest's config is OCI's empty
// descriptor and its one layer is the adapter layer, unchanged, so the layer blob can be appended
// to any image later (docs/packager.md shows how).
package artifact

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/partial"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/lwa-go/lwa/packager/image"
	"github.com/lwa-go/lwa/packager/platform"
)

const (
	// Type is the artifactType of lwa-pack's layer artifacts.
	Type = "application/vnd.lwa.lambda-adapter.layer.v1+tar"
	// EmptyConfigType is OCI 1.1's media type for an artifact without a config.
	EmptyConfigType types.MediaType = "application/vnd.oci.empty.v1+json"
	// VersionAnnotation carries the adapter version on the manifest (OCI's pre-defined key).
	VersionAnnotation = "org.opencontainers.image.version"
	// TitleAnnotation names the layer blob, as ORAS names files it pulls.
	TitleAnnotation = "org.opencontainers.image.title"
)

// emptyConfig is the content of OCI's empty descriptor: the two bytes {}.
const emptyConfig = "{}"

// Layer is one platform's adapter layer.
type Layer struct {
	Platform platform.Platform
	Layer    v1.Layer
}

// Manifest returns the artifact manifest holding one platform's layer.
func Manifest(l Layer, version string) (v1.Image, error) {
	desc, err := partial.Descriptor(l.Layer)
	if err != nil {
		return nil, fmt.Errorf("artifact %s: %w", l.Platform, err)
	}
	mt, err := l.Layer.MediaType()
	if err != nil {
		return nil, fmt.Errorf("artifact %s: %w", l.Platform, err)
	}
	desc.MediaType = mt
	desc.Annotations = map[string]string{TitleAnnotation: fmt.Sprintf("lambda-adapter-%s-%s.tar.gz", version, l.Platform.LambdaArch())}
	m := v1.Manifest{
		SchemaVersion: 2,
		MediaType:     types.OCIManifestSchema1,
		ArtifactType:  Type,
		Config: v1.Descriptor{
			MediaType: EmptyConfigType, Size: int64(len(emptyConfig)), Digest: sha256Hash([]byte(emptyConfig)),
			Data: []byte(emptyConfig),
		},
		Layers:      []v1.Descriptor{*desc},
		Annotations: map[string]string{VersionAnnotation: version},
	}
	raw, err := json.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("artifact %s: %w", l.Platform, err)
	}
	return partial.CompressedToImage(core{raw: raw, layer: l.Layer, digest: desc.Digest})
}

// New returns the artifact for layers, as an image.Result so that lwa-pack's publishers take it
// like an image: one manifest for one platform, else an OCI index of one manifest per platform,
// each with its platform in the index so that `crane manifest --platform` and pulls by platform
// pick the right one.
func New(layers []Layer, version string) (image.Result, error) {
	var imgs []image.PlatformImage
	var adds []mutate.IndexAddendum
	for _, l := range layers {
		img, err := Manifest(l, version)
		if err != nil {
			return nil, err
		}
		imgs = append(imgs, image.PlatformImage{Platform: l.Platform, Image: img})
		adds = append(adds, mutate.IndexAddendum{Add: img, Descriptor: v1.Descriptor{Platform: l.Platform.OCI(), ArtifactType: Type}})
	}
	switch len(imgs) {
	case 0:
		return nil, errors.New("artifact: no layers")
	case 1:
		return image.SingleImage(imgs[0]), nil
	}
	idx := mutate.IndexMediaType(empty.Index, types.OCIImageIndex)
	idx = mutate.Annotations(idx, map[string]string{VersionAnnotation: version}).(v1.ImageIndex)
	return image.Index(mutate.AppendManifests(idx, adds...), imgs), nil
}

// core is the minimum partial.CompressedToImage needs; it serves the artifact's manifest and its
// two blobs.
type core struct {
	raw    []byte
	layer  v1.Layer
	digest v1.Hash
}

func (c core) RawConfigFile() ([]byte, error)      { return []byte(emptyConfig), nil }
func (c core) MediaType() (types.MediaType, error) { return types.OCIManifestSchema1, nil }
func (c core) RawManifest() ([]byte, error)        { return c.raw, nil }

func (c core) LayerByDigest(h v1.Hash) (partial.CompressedLayer, error) {
	if h == c.digest {
		return c.layer, nil
	}
	return nil, fmt.Errorf("artifact: no blob %s", h)
}

func sha256Hash(b []byte) v1.Hash {
	h, _, _ := v1.SHA256(bytes.NewReader(b))
	return h
}
