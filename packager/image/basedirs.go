package image

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// baseDirs finds the headers the base image's filesystem has for opt/ and opt/extensions/,
// reading its layers from the top down as an extractor would see them: a whiteout of a path, or
// an opaque marker in its parent, hides what lower layers had. A path the base lacks gets no
// entry. A symlink or file where the directory should be is an error: adding directories there
// would replace what the base has.
func baseDirs(img v1.Image) (map[string]*tar.Header, error) {
	layers, err := img.Layers()
	if err != nil {
		return nil, fmt.Errorf("read base layers: %w", err)
	}
	want := []string{optDir, extensionsDir}
	found := map[string]*tar.Header{}
	settled := map[string]bool{}
	for i := len(layers) - 1; i >= 0 && len(settled) < len(want); i-- {
		seen, err := scanLayer(layers[i], want)
		if err != nil {
			d, _ := layers[i].Digest()
			return nil, fmt.Errorf("read base layer %d (%s): %w", i, d, err)
		}
		for _, name := range want {
			if settled[name] {
				continue
			}
			if h := seen.headers[name]; h != nil {
				found[name] = h
				settled[name] = true
			} else if seen.hidden[name] {
				settled[name] = true
			}
		}
	}
	for _, name := range want {
		h := found[name]
		if h != nil && h.Typeflag != tar.TypeDir {
			return nil, fmt.Errorf("/%s in the base image is not a directory (tar type %q); cannot add the adapter under it", strings.TrimSuffix(name, "/"), h.Typeflag)
		}
	}
	return found, nil
}

type layerView struct {
	headers map[string]*tar.Header
	hidden  map[string]bool // hidden from the layers below by a whiteout in this layer
}

// scanLayer reads the headers of one layer, noting the wanted directories and whiteouts of them.
func scanLayer(l v1.Layer, want []string) (layerView, error) {
	v := layerView{headers: map[string]*tar.Header{}, hidden: map[string]bool{}}
	rc, err := l.Uncompressed()
	if err != nil {
		return v, err
	}
	defer rc.Close()
	tr := tar.NewReader(rc)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return v, nil
		}
		if err != nil {
			return v, err
		}
		name := cleanName(h.Name)
		for _, w := range want {
			dir := strings.TrimSuffix(w, "/")
			parent, base := path.Split(dir)
			switch name {
			case dir:
				v.headers[w] = h
			case parent + ".wh." + base:
				v.hidden[w] = true
			case parent + ".wh..wh..opq":
				// An opaque parent hides the lower layers' children, not the parent itself.
				v.hidden[w] = true
			}
			// A whiteout of an ancestor hides everything below it.
			if strings.HasPrefix(dir, "opt/") && name == ".wh.opt" {
				v.hidden[w] = true
			}
		}
	}
}

// cleanName turns "./opt/", "/opt" and "opt/" into "opt".
func cleanName(name string) string {
	name = path.Clean("/" + name)
	return strings.TrimPrefix(name, "/")
}
