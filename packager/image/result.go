package image

import (
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/partial"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/lwa-go/lwa/packager/platform"
)

// PlatformImage is one platform's image of a Result.
type PlatformImage struct {
	Platform platform.Platform
	Image    v1.Image
}

// Result is what lwa-pack image makes, and the one value every publisher takes (as ko's
// build.Result): an index when there are several platforms, else the one image (Lambda refuses
// an index for a function). A Result is also a v1.Image or a v1.ImageIndex, so
// go-containerregistry's writers that take either (remote.Push, remote.Tag) need no branch.
type Result interface {
	// Digest is the digest of the index, or of the single image.
	Digest() (v1.Hash, error)
	// MediaType is the media type of the index, or of the single image.
	MediaType() (types.MediaType, error)
	// RawManifest is the index's or image's manifest (remote.Taggable).
	RawManifest() ([]byte, error)
	// Images are the platform images, in index order; one for a single image.
	Images() []PlatformImage
}

// SingleImage returns the Result of one platform's image. Its descriptor carries no
// artifactType (see PlainDescriptor), so an OCI layout's index.json lists it as before.
func SingleImage(pi PlatformImage) Result {
	return singleImage{plainDescriptor: plainDescriptor{pi.Image}, platform: pi.Platform}
}

type singleImage struct {
	plainDescriptor
	platform platform.Platform
}

func (s singleImage) Images() []PlatformImage {
	return []PlatformImage{{Platform: s.platform, Image: s.Image}}
}

// Index returns the Result of an index whose entries are images, in order.
func Index(idx v1.ImageIndex, images []PlatformImage) Result {
	return index{imageIndex: idx, images: images}
}

// imageIndex names the embedded index so that its field name does not hide the promoted
// ImageIndex(v1.Hash) method, which index needs to be a v1.ImageIndex.
type imageIndex = v1.ImageIndex

type index struct {
	imageIndex
	images []PlatformImage
}

func (i index) Images() []PlatformImage { return i.images }

// PlainDescriptor wraps img so that the descriptor an index records for it carries no
// artifactType: go-containerregistry v0.22 fills one in from the config media type, even in
// Docker manifest lists, and tools that copy images (skopeo 1.9) drop it, which changes the
// index digest between copies.
func PlainDescriptor(img v1.Image) v1.Image { return plainDescriptor{img} }

type plainDescriptor struct{ v1.Image }

// Descriptor implements partial's withDescriptor.
func (p plainDescriptor) Descriptor() (*v1.Descriptor, error) {
	d, err := partial.Descriptor(p.Image)
	if err != nil {
		return nil, err
	}
	d.ArtifactType = ""
	return d, nil
}

// Publishers rely on a Result being one of go-containerregistry's two manifest kinds.
var (
	_ v1.Image      = singleImage{}
	_ v1.ImageIndex = index{}
)
