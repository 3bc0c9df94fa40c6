package doctor

import (
	"archive/tar"
	"bytes"
	"io"
	"io/fs"
	"path"
	"time"
)

// memFS is the few files of an image that the checks read, taken from its layers: each with its
// tar header (mode, owner) and, for regular files, its content. A directory without a header of
// its own (a parent of a file found) is reported as root's, mode 0755, as container runtimes
// create it.
type memFS map[string]*memFile

type memFile struct {
	hdr  *tar.Header
	data []byte
}

func (m memFS) Open(name string) (fs.File, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	if f, ok := m[name]; ok {
		return &openFile{info: f.hdr.FileInfo(), r: bytes.NewReader(f.data)}, nil
	}
	if name == "." || m.hasChild(name) {
		hdr := &tar.Header{Name: name + "/", Typeflag: tar.TypeDir, Mode: 0o755, ModTime: time.Unix(0, 0)}
		return &openFile{info: hdr.FileInfo(), r: bytes.NewReader(nil)}, nil
	}
	return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
}

func (m memFS) hasChild(dir string) bool {
	for p := range m {
		for d := path.Dir(p); d != "."; d = path.Dir(d) {
			if d == dir {
				return true
			}
		}
	}
	return false
}

type openFile struct {
	info fs.FileInfo
	r    *bytes.Reader
}

func (f *openFile) Stat() (fs.FileInfo, error) { return f.info, nil }
func (f *openFile) Read(b []byte) (int, error) {
	if f.info.IsDir() {
		return 0, &fs.PathError{Op: "read", Path: f.info.Name(), Err: fs.ErrInvalid}
	}
	return f.r.Read(b)
}
func (f *openFile) Close() error { return nil }

var _ io.Reader = (*openFile)(nil)
