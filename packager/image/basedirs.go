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

// baseScan is what appending needs to know about a base image's filesystem.
type baseScan struct {
	// dirs holds the base's headers for opt/ and opt/extensions/ (a path it lacks has none).
	dirs map[string]*tar.Header
	// adapterLayer is the index of the layer whose /opt/extensions/lambda-adapter the image shows,
	// -1 when it has none.
	adapterLayer int
	// adapterOnly is true when that layer holds the adapter's paths and nothing else: a layer
	// lwa-pack (or the like) added, which can be taken out whole.
	adapterOnly bool
}

// scanBase finds the headers the base image's filesystem has for opt/, opt/extensions/ and the
// adapter, reading its layers from the top down as an extractor would see them: a whiteout of a
// path, or an opaque marker in its parent, hides what lower layers had. A symlink or file where a
// directory should be is an error: adding directories there would replace what the base has.
func scanBase(img v1.Image) (baseScan, error) {
	scan := baseScan{dirs: map[string]*tar.Header{}, adapterLayer: -1}
	layers, err := img.Layers()
	if err != nil {
		return scan, fmt.Errorf("read base layers: %w", err)
	}
	want := []string{optDir, extensionsDir, adapterPath}
	settled := map[string]bool{}
	for i := len(layers) - 1; i >= 0 && len(settled) < len(want); i-- {
		seen, err := scanLayer(layers[i], want)
		if err != nil {
			d, _ := layers[i].Digest()
			return scan, fmt.Errorf("read base layer %d (%s): %w", i, d, err)
		}
		for _, name := range want {
			if settled[name] {
				continue
			}
			if h := seen.headers[name]; h != nil {
				settled[name] = true
				if name == adapterPath {
					scan.adapterLayer, scan.adapterOnly = i, !seen.others
				} else {
					scan.dirs[name] = h
				}
			} else if seen.hidden[name] {
				settled[name] = true
			}
		}
	}
	for _, name := range []string{optDir, extensionsDir} {
		if h := scan.dirs[name]; h != nil && h.Typeflag != tar.TypeDir {
			return scan, fmt.Errorf("/%s in the base image is %s, not a directory: the adapter must go in /opt/extensions/lambda-adapter, and adding it would replace what the base has there (make /%s a directory in the base)",
				strings.TrimSuffix(name, "/"), describeEntry(h), strings.TrimSuffix(name, "/"))
		}
	}
	return scan, nil
}

// describeEntry names a tar entry's type in words.
func describeEntry(h *tar.Header) string {
	switch h.Typeflag {
	case tar.TypeSymlink:
		return fmt.Sprintf("a symbolic link to %q", h.Linkname)
	case tar.TypeLink:
		return fmt.Sprintf("a hard link to %q", h.Linkname)
	case tar.TypeReg:
		return "a regular file"
	case tar.TypeChar, tar.TypeBlock:
		return "a device"
	case tar.TypeFifo:
		return "a named pipe"
	}
	return fmt.Sprintf("an entry of tar type %q", h.Typeflag)
}

type layerView struct {
	headers map[string]*tar.Header
	hidden  map[string]bool // hidden from the layers below by a whiteout in this layer
	// others is true when the layer has entries besides the adapter's own paths.
	others bool
}

// adapterPaths are the entries of an adapter layer (Layer's, with or without the root link).
var adapterPaths = map[string]bool{"opt": true, "opt/extensions": true, adapterPath: true, rootLink: true}

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
		name := CleanName(h.Name)
		if !adapterPaths[name] {
			v.others = true
		}
		for _, w := range want {
			dir := strings.TrimSuffix(w, "/")
			if name == dir {
				v.headers[w] = h
			} else if Hides(name, dir) {
				v.hidden[w] = true
			}
		}
	}
}

// Hides reports whether the layer entry name (as CleanName gives it) is a whiteout that hides
// the path dir in lower layers: a whiteout of dir or of any ancestor, or an opaque marker in any
// of its ancestors (which hides their lower layers' children, not the directory that holds the
// marker). It is lwa-pack's one reading of whiteouts, for building images and for doctor.
func Hides(name, dir string) bool {
	for p := dir; p != "." && p != ""; p = path.Dir(p) {
		parent, base := path.Split(p)
		if name == parent+".wh."+base || name == parent+".wh..wh..opq" {
			return true
		}
	}
	return false
}

// CleanName makes a tar entry name comparable: "./opt/", "/opt" and "opt/" become "opt".
func CleanName(name string) string {
	name = path.Clean("/" + name)
	return strings.TrimPrefix(name, "/")
}
