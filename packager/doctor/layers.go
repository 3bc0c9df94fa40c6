package doctor

import (
	"archive/tar"
	"context"
	"fmt"
	"io"
	"path"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
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
			if found[w] != nil || hidden(w) {
				settled[w] = true
			}
		}
	}
	return found, read, nil
}

// scanLayer reads one layer's entries, recording the wanted paths not yet settled. It returns a
// function telling whether a path is hidden from the layers below by this layer's whiteouts.
func scanLayer(l v1.Layer, want []string, settled map[string]bool, found memFS) (func(string) bool, error) {
	rc, err := l.Uncompressed()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	var whiteouts, opaque []string
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
		name := cleanName(hdr.Name)
		dir, base := path.Split(name)
		dir = strings.TrimSuffix(dir, "/")
		switch {
		case base == ".wh..wh..opq":
			opaque = append(opaque, dir)
			continue
		case strings.HasPrefix(base, ".wh."):
			whiteouts = append(whiteouts, path.Join(dir, strings.TrimPrefix(base, ".wh.")))
			continue
		}
		if !wanted(want, name) || settled[name] || found[name] != nil {
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
	return func(p string) bool {
		for _, w := range whiteouts {
			if p == w || strings.HasPrefix(p, w+"/") {
				return true
			}
		}
		for _, o := range opaque {
			if strings.HasPrefix(p, o+"/") {
				return true
			}
		}
		return false
	}, nil
}

func wanted(want []string, name string) bool {
	for _, w := range want {
		if w == name {
			return true
		}
	}
	return false
}

// cleanName makes a tar entry name comparable: no leading ./ or /, no trailing /.
func cleanName(n string) string {
	n = strings.TrimPrefix(path.Clean("/"+n), "/")
	if n == "" {
		return "."
	}
	return n
}
