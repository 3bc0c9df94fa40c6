package doctor_test

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"context"
	"debug/elf"
	"encoding/binary"
	"io"
	"io/fs"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	ggcrregistry "github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/lwa-go/lwa/internal/testenv"
)

// adapterAMD64 is the real adapter, built once for the package's tests by TestMain.
var adapterAMD64 []byte

func TestMain(m *testing.M) {
	os.Exit(testenv.Main(m, "lwa-doctor-bin-", func(root, dir string) error {
		bin, err := testenv.BuildAdapter(root, dir, "1.2.3")
		if err != nil {
			return err
		}
		adapterAMD64, err = os.ReadFile(bin)
		return err
	}))
}

// adapterARM64 is the real adapter with its ELF header's machine set to AArch64: an arm64 binary
// as far as any reader of the header can tell, with the same Go build info.
func adapterARM64() []byte {
	b := bytes.Clone(adapterAMD64)
	binary.LittleEndian.PutUint16(b[18:], uint16(elf.EM_AARCH64))
	return b
}

// staticELF is a minimal static x86-64 ELF without Go build info (not lwa's adapter).
func staticELF() []byte {
	var buf bytes.Buffer
	h := elf.Header64{Type: uint16(elf.ET_EXEC), Machine: uint16(elf.EM_X86_64), Version: uint32(elf.EV_CURRENT), Ehsize: 64}
	copy(h.Ident[:], elf.ELFMAG)
	h.Ident[elf.EI_CLASS] = byte(elf.ELFCLASS64)
	h.Ident[elf.EI_DATA] = byte(elf.ELFDATA2LSB)
	h.Ident[elf.EI_VERSION] = byte(elf.EV_CURRENT)
	binary.Write(&buf, binary.LittleEndian, h)
	buf.WriteString(strings.Repeat("not the adapter\n", 64))
	return buf.Bytes()
}

// dynamicELF is the host's /bin/true: dynamically linked.
func dynamicELF(t *testing.T) []byte {
	b, err := os.ReadFile("/bin/true")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

const bootstrapScript = "#!/bin/bash\nexec -- \"${LAMBDA_TASK_ROOT}/${_HANDLER}\"\n"
const runScript = "#!/bin/bash\nexport PORT=8000\nexec node index.js\n"

// file is one entry of a test artifact; a name ending in / is a directory.
type file struct {
	name string
	mode fs.FileMode
	data string
	uid  int
}

func layerFiles(adapter []byte) []file {
	return []file{
		{name: "bootstrap", mode: 0o755, data: bootstrapScript},
		{name: "extensions/", mode: 0o755},
		{name: "extensions/lambda-adapter", mode: 0o755, data: string(adapter)},
	}
}

func functionFiles() []file {
	return []file{
		{name: "run.sh", mode: 0o755, data: runScript},
		{name: "index.js", mode: 0o644, data: "require('http').createServer((q, s) => s.end('ok')).listen(8000)\n"},
	}
}

// replace returns files with name's entry replaced (or removed when f is nil).
func replace(files []file, name string, f *file) []file {
	var out []file
	for _, x := range files {
		if x.name != name {
			out = append(out, x)
		} else if f != nil {
			out = append(out, *f)
		}
	}
	return out
}

func writeZip(t *testing.T, files []file) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "artifact.zip")
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range files {
		h := &zip.FileHeader{Name: f.name, Method: zip.Deflate}
		mode := f.mode
		if strings.HasSuffix(f.name, "/") {
			mode |= fs.ModeDir
			h.Method = zip.Store
		}
		h.SetMode(mode)
		w, err := zw.CreateHeader(h)
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(w, f.data)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// writeDir writes files under a new directory (prefix: a subdirectory such as var/task).
func writeDir(t *testing.T, dir string, files []file) {
	t.Helper()
	for _, f := range files {
		p := filepath.Join(dir, f.name)
		if strings.HasSuffix(f.name, "/") {
			if err := os.MkdirAll(p, 0o755); err != nil {
				t.Fatal(err)
			}
			continue
		}
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(f.data), f.mode); err != nil {
			t.Fatal(err)
		}
		os.Chmod(p, f.mode)
	}
}

// tarLayer makes an image layer of files (names relative to /).
func tarLayer(t *testing.T, files []file) v1.Layer {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, f := range files {
		h := &tar.Header{Name: f.name, Mode: int64(f.mode), Uid: f.uid, Gid: f.uid, ModTime: time.Unix(0, 0), Typeflag: tar.TypeReg, Size: int64(len(f.data))}
		if strings.HasSuffix(f.name, "/") {
			h.Typeflag, h.Size = tar.TypeDir, 0
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		io.WriteString(tw, f.data)
	}
	tw.Close()
	data := buf.Bytes()
	l, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }, tarball.WithMediaType(types.OCILayer))
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func optFiles(adapter []byte) []file {
	return []file{
		{name: "opt/", mode: 0o755},
		{name: "opt/extensions/", mode: 0o755},
		{name: "opt/extensions/lambda-adapter", mode: 0o755, data: string(adapter)},
	}
}

// imageSpec is a function image: a base layer, an app layer, and the adapter's layer on top.
type imageSpec struct {
	arch    string // amd64 or arm64
	opt     []file
	cfg     v1.Config
	noCmd   bool
	extra   []file // added to the app layer
	padding int    // bytes of incompressible-ish data in the base layer
}

func functionImage(t *testing.T, s imageSpec) v1.Image {
	t.Helper()
	if s.arch == "" {
		s.arch = "amd64"
	}
	if s.opt == nil {
		bin := adapterAMD64
		if s.arch == "arm64" {
			bin = adapterARM64()
		}
		s.opt = optFiles(bin)
	}
	cfg := s.cfg
	if !s.noCmd && cfg.Cmd == nil {
		cfg.Cmd = []string{"node", "/app/index.js"}
	}
	if cfg.Env == nil {
		cfg.Env = []string{"PATH=/usr/local/bin:/usr/bin:/bin", "AWS_LWA_PORT=8000"}
	}
	base := []file{
		{name: "etc/", mode: 0o755},
		{name: "etc/passwd", mode: 0o644, data: "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n"},
		{name: "usr/bin/node", mode: 0o755, data: strings.Repeat("node", 1+s.padding/4)},
	}
	app := append([]file{{name: "app/", mode: 0o755}, {name: "app/index.js", mode: 0o644, data: "console.log('app')\n"}}, s.extra...)
	img := mutate.MediaType(empty.Image, types.OCIManifestSchema1)
	img = mutate.ConfigMediaType(img, types.OCIConfigJSON)
	img, err := mutate.ConfigFile(img, &v1.ConfigFile{Architecture: s.arch, OS: "linux", Config: cfg, RootFS: v1.RootFS{Type: "layers"}})
	if err != nil {
		t.Fatal(err)
	}
	img, err = mutate.AppendLayers(img, tarLayer(t, base), tarLayer(t, app), tarLayer(t, s.opt))
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func indexOf(t *testing.T, imgs ...v1.Image) v1.ImageIndex {
	idx := mutate.IndexMediaType(empty.Index, types.OCIImageIndex)
	for _, img := range imgs {
		cf, err := img.ConfigFile()
		if err != nil {
			t.Fatal(err)
		}
		idx = mutate.AppendManifests(idx, mutate.IndexAddendum{Add: img, Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: cf.Architecture}}})
	}
	return idx
}

func writeLayout(t *testing.T, img v1.Image, idx v1.ImageIndex) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "oci")
	p, err := layout.Write(dir, empty.Index)
	if err != nil {
		t.Fatal(err)
	}
	if idx != nil {
		err = p.AppendIndex(idx)
	} else {
		err = p.AppendImage(img)
	}
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

func writeTarball(t *testing.T, img v1.Image) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "image.tar")
	tag, _ := name.NewTag("example.com/fn:test")
	if err := tarball.WriteToFile(path, tag, img); err != nil {
		t.Fatal(err)
	}
	return path
}

// counter counts a registry's requests: manifests and blobs, by path.
type counter struct {
	next      http.RoundTripper
	manifests atomic.Int64
	blobs     atomic.Int64
	paths     chan string
}

func (c *counter) RoundTrip(r *http.Request) (*http.Response, error) {
	switch {
	case strings.Contains(r.URL.Path, "/manifests/") && r.Method == http.MethodGet:
		c.manifests.Add(1)
	case strings.Contains(r.URL.Path, "/blobs/") && r.Method == http.MethodGet:
		c.blobs.Add(1)
		select {
		case c.paths <- r.URL.Path:
		default:
		}
	}
	return c.next.RoundTrip(r)
}

func newCounter() *counter {
	return &counter{next: http.DefaultTransport, paths: make(chan string, 100)}
}

func (c *counter) blobPaths() []string {
	var out []string
	for {
		select {
		case p := <-c.paths:
			out = append(out, p)
		default:
			sort.Strings(out)
			return out
		}
	}
}

// startRegistry runs go-containerregistry's in-process registry and returns its host.
func startRegistry(t *testing.T) string {
	t.Helper()
	t.Setenv("DOCKER_CONFIG", t.TempDir()) // no real credentials
	srv := httptest.NewServer(ggcrregistry.New(ggcrregistry.Logger(log.New(io.Discard, "", 0))))
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "http://")
}

func push(t *testing.T, host, repo string, img v1.Image, idx v1.ImageIndex) string {
	t.Helper()
	ref := host + "/" + repo + ":test"
	tag, err := name.NewTag(ref)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if idx != nil {
		err = remote.WriteIndex(tag, idx, remote.WithContext(ctx))
	} else {
		err = remote.Write(tag, img, remote.WithContext(ctx))
	}
	if err != nil {
		t.Fatal(err)
	}
	return ref
}
