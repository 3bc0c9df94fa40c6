package doctor

import (
	"archive/tar"
	"context"
	"fmt"
	"io"
	"path"
	"slices"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/lwa-go/lwa/packager/image"
)

// maxFileRead bounds what is read of one wanted file (the adapter is about 6 MB).
const maxFileRead = 256 << 20

// readFiles reads the wanted paths (slash-separated, no leading slash) from an image's layers,
// top layer first, as the container's filesystem shows them: an entry in a higher layer wins, a
// whiteout (.wh.NAME) or an opaque marker (.wh..wh..opq) hides what lower layers have. It stops
// as soon as every wanted path is settled (found or hidden), so an image whose top layer holds
// the adapter costs one layer's download. It returns the files found and the number of layers
// read.
func readFiles(ctx context.Context, layers []v1.Layer, want []string) (memFS, int, error) {
	found := memFS{}
	settled := map[string]bool{}
	read := 0
	for i := len(layers) - 1; i >= 0 && len(settled) < len(want); i-- {
		if err := ctx.Err(); err != nil {
			return nil, read, err
		}
		read++
		hidden, err := scanLayer(layers[i], want, settled, found)
		if err != nil {
			d, _ := layers[i].Digest()
			return nil, read, fmt.Errorf("read layer %d (%s): %w", i, d, err)
		}
		for _, w := range want {
			if found[w] != nil || hidden[w] {
				settled[w] = true
			}
		}
	}
	return found, read, nil
}

// scanLayer reads one layer's entries, recording the wanted paths not yet settled. It returns the
// wanted paths this layer's whiteouts hide from the layers below.
func scanLayer(l v1.Layer, want []string, settled map[string]bool, found memFS) (map[string]bool, error) {
	rc, err := l.Uncompressed()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	hidden := map[string]bool{}
	pending := 0
	for _, w := range want {
		if !settled[w] {
			pending++
		}
	}
	tr := tar.NewReader(rc)
	for pending > 0 {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		name := image.CleanName(hdr.Name)
		if strings.HasPrefix(path.Base(name), ".wh.") {
			for _, w := range want {
				if image.Hides(name, w) {
					hidden[w] = true
				}
			}
			continue
		}
		if !slices.Contains(want, name) || settled[name] || found[name] != nil {
			continue
		}
		f := &memFile{hdr: hdr}
		if hdr.Typeflag == tar.TypeReg {
			if f.data, err = io.ReadAll(io.LimitReader(tr, maxFileRead)); err != nil {
				return nil, fmt.Errorf("%s: %w", name, err)
			}
		}
		found[name] = f
		pending--
	}
	return hidden, nil
}
