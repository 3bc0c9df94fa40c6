package publish

import (
	"encoding/json"
	"fmt"
	"io"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/lwa-go/lwa/packager/output"
	"github.com/lwa-go/lwa/packager/platform"
)

// LayerDescriptor describes a layer blob written with --layer-only: an OCI descriptor (readers
// ignore the extra fields) plus the uncompressed digest a config's rootfs.diff_ids needs.
type LayerDescriptor struct {
	MediaType string       `json:"mediaType"`
	Digest    string       `json:"digest"`
	Size      int64        `json:"size"`
	DiffID    string       `json:"diffID"`
	Platform  *v1.Platform `json:"platform"`
	// Path is the blob file, when written to a directory.
	Path string `json:"path,omitempty"`
}

// DescribeLayer returns the descriptor of a platform's adapter layer.
func DescribeLayer(p platform.Platform, l v1.Layer) (LayerDescriptor, error) {
	mt, err := l.MediaType()
	if err != nil {
		return LayerDescriptor{}, err
	}
	d, err := l.Digest()
	if err != nil {
		return LayerDescriptor{}, err
	}
	size, err := l.Size()
	if err != nil {
		return LayerDescriptor{}, err
	}
	diff, err := l.DiffID()
	if err != nil {
		return LayerDescriptor{}, err
	}
	return LayerDescriptor{MediaType: string(mt), Digest: d.String(), Size: size, DiffID: diff.String(), Platform: p.OCI()}, nil
}

// WriteLayerFiles writes the layer blob as dir/base.tar.gz and its descriptor as
// dir/base.json, each atomically, and returns the descriptor with Path set.
func WriteLayerFiles(dir, base string, p platform.Platform, l v1.Layer) (LayerDescriptor, error) {
	desc, err := DescribeLayer(p, l)
	if err != nil {
		return LayerDescriptor{}, fmt.Errorf("describe %s layer: %w", p, err)
	}
	blobPath, err := output.Join(dir, base+".tar.gz")
	if err != nil {
		return LayerDescriptor{}, err
	}
	descPath, err := output.Join(dir, base+".json")
	if err != nil {
		return LayerDescriptor{}, err
	}
	err = output.WriteFile(blobPath, 0o644, func(w io.Writer) error {
		rc, err := l.Compressed()
		if err != nil {
			return err
		}
		defer rc.Close()
		_, err = io.Copy(w, rc)
		return err
	})
	if err != nil {
		return LayerDescriptor{}, err
	}
	desc.Path = blobPath
	err = output.WriteFile(descPath, 0o644, func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(desc)
	})
	return desc, err
}
