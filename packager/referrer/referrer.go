// Package referrer attaches a document (an SBOM) to an image manifest as an OCI 1.1 artifact: a
// manifest whose subject is the image's and whose one layer is the document. Pushed, registries
// with the referrers API index it themselves; for those without it, the push also updates the
// referrers tag schema index (tag sha256-<hex> of the subject), as the OCI distribution spec 1.1
// says, which go-containerregistry's remote does. Written to an OCI layout, its blobs go to the
// layout and its descriptor to index.json.
package referrer

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// The OCI image spec 1.1's empty descriptor: the config of an artifact that has none.
const (
	emptyMediaType = "application/vnd.oci.empty.v1+json"
	emptyDigest    = "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"
)

var emptyJSON = []byte("{}")

// manifest is an OCI 1.1 image manifest used as an artifact (image-spec "Guidelines for
// artifact usage", case 2: artifactType set, empty config).
type manifest struct {
	SchemaVersion int               `json:"schemaVersion"`
	MediaType     types.MediaType   `json:"mediaType"`
	ArtifactType  string            `json:"artifactType"`
	Config        descriptor        `json:"config"`
	Layers        []descriptor      `json:"layers"`
	Subject       *descriptor       `json:"subject"`
	Annotations   map[string]string `json:"annotations,omitempty"`
}

// descriptor is an OCI descriptor with the spec 1.1 data field, which v1.Descriptor lacks.
type descriptor struct {
	MediaType types.MediaType `json:"mediaType"`
	Digest    v1.Hash         `json:"digest"`
	Size      int64           `json:"size"`
	Data      []byte          `json:"data,omitempty"`
}

// Artifact is a built referrer: its manifest and the blobs it needs.
type Artifact struct {
	manifest []byte
	desc     v1.Descriptor
	doc      []byte
	docDesc  descriptor
	empty    v1.Hash
}

// New builds the artifact carrying doc (of media type artifactType) for subject.
// annotations go on the artifact's manifest (e.g. org.opencontainers.image.created, which keeps
// it reproducible when taken from SOURCE_DATE_EPOCH).
func New(artifactType string, doc []byte, subject v1.Descriptor, annotations map[string]string) (Artifact, error) {
	if artifactType == "" {
		return Artifact{}, errors.New("referrer: empty artifact type")
	}
	if subject.Digest.Hex == "" || subject.MediaType == "" || subject.Size <= 0 {
		return Artifact{}, fmt.Errorf("referrer: subject descriptor %+v lacks a digest, media type or size", subject)
	}
	docHash, size, err := v1.SHA256(bytes.NewReader(doc))
	if err != nil {
		return Artifact{}, fmt.Errorf("referrer: digest the document: %w", err)
	}
	emptyHash, err := v1.NewHash(emptyDigest)
	if err != nil {
		return Artifact{}, fmt.Errorf("referrer: %w", err)
	}
	docDesc := descriptor{MediaType: types.MediaType(artifactType), Digest: docHash, Size: size}
	m := manifest{
		SchemaVersion: 2,
		MediaType:     types.OCIManifestSchema1,
		ArtifactType:  artifactType,
		Config:        descriptor{MediaType: emptyMediaType, Digest: emptyHash, Size: int64(len(emptyJSON)), Data: emptyJSON},
		Layers:        []descriptor{docDesc},
		Subject:       &descriptor{MediaType: subject.MediaType, Digest: subject.Digest, Size: subject.Size},
		Annotations:   maps.Clone(annotations),
	}
	raw, err := json.Marshal(m)
	if err != nil {
		return Artifact{}, fmt.Errorf("referrer: encode the manifest: %w", err)
	}
	h, sz, err := v1.SHA256(bytes.NewReader(raw))
	if err != nil {
		return Artifact{}, fmt.Errorf("referrer: %w", err)
	}
	desc := v1.Descriptor{MediaType: types.OCIManifestSchema1, Digest: h, Size: sz,
		ArtifactType: artifactType, Annotations: maps.Clone(annotations)}
	return Artifact{manifest: raw, desc: desc, doc: doc, docDesc: docDesc, empty: emptyHash}, nil
}

// Descriptor is the artifact manifest's descriptor (with its artifactType and annotations, as
// a referrers list shows it).
func (a Artifact) Descriptor() v1.Descriptor { return a.desc }

// Manifest is the artifact's manifest bytes.
func (a Artifact) Manifest() []byte { return bytes.Clone(a.manifest) }

// Push uploads the document and the empty config, then the manifest by digest, into repo (the
// subject's repository). On a registry without the referrers API, remote also adds the
// artifact to the subject's referrers tag (sha256-<hex>).
func (a Artifact) Push(ctx context.Context, repo name.Repository, opts ...remote.Option) (name.Digest, error) {
	opts = append([]remote.Option{remote.WithContext(ctx)}, opts...)
	for _, blob := range []struct {
		data []byte
		mt   types.MediaType
	}{{a.doc, a.docDesc.MediaType}, {emptyJSON, emptyMediaType}} {
		if err := remote.WriteLayer(repo, static.NewLayer(blob.data, blob.mt), opts...); err != nil {
			return name.Digest{}, fmt.Errorf("referrer: upload %s blob to %s: %w", blob.mt, repo, err)
		}
	}
	ref := repo.Digest(a.desc.Digest.String())
	if err := remote.Put(ref, a, opts...); err != nil {
		return name.Digest{}, fmt.Errorf("referrer: push %s: %w", ref, err)
	}
	return ref, nil
}

// RawManifest and MediaType make an Artifact a remote.Taggable.
func (a Artifact) RawManifest() ([]byte, error) { return a.manifest, nil }

// MediaType is the artifact manifest's media type.
func (a Artifact) MediaType() (types.MediaType, error) { return types.OCIManifestSchema1, nil }

// WriteTo writes the artifact's blobs into the OCI layout p and lists its manifest in index.json,
// so `oras discover`-style tools reading the layout find it by its subject.
func (a Artifact) WriteTo(p layout.Path) error {
	for _, b := range []struct {
		h    v1.Hash
		data []byte
	}{{a.docDesc.Digest, a.doc}, {a.empty, emptyJSON}, {a.desc.Digest, a.manifest}} {
		if err := p.WriteBlob(b.h, io.NopCloser(bytes.NewReader(b.data))); err != nil {
			return fmt.Errorf("referrer: write blob %s to the layout: %w", b.h, err)
		}
	}
	if err := p.AppendDescriptor(a.desc); err != nil {
		return fmt.Errorf("referrer: add %s to the layout's index: %w", a.desc.Digest, err)
	}
	return nil
}
