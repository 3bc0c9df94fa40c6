//go:build e2e

package examples

import (
	"archive/tar"
	"bytes"
	"errors"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/lwa-go/lwa/internal/testenv"
)

// adapterImage is the repository the Dockerfiles copy the adapter from (docs/release.md).
const adapterImage = "ghcr.io/lwa-go/lambda-adapter:"

var exampleDirs = []string{"express", "flask", "fastapi", "nginx", "go", "sqs-worker"}

// TestDockerfiles checks each example's Dockerfile without a Docker daemon: the adapter's COPY line
// against the image lwa-pack builds (its source path is in that image, its destination is where Lambda
// looks for extensions), and the container route without Docker: an image built here from the
// Dockerfile's final stage (the example's files, its WORKDIR, ENV, ENTRYPOINT and CMD), pushed to a
// real registry, given the adapter by `lwa-pack image --base`, keeps all of that.
func TestDockerfiles(t *testing.T) {
	adapterFS := lwaPackImageFiles(t)
	t.Setenv("DOCKER_CONFIG", t.TempDir())
	host := testenv.StartRegistry(t)
	for _, ex := range exampleDirs {
		t.Run(ex, func(t *testing.T) {
			df := parseDockerfile(t, ex)
			if df.adapterCopy == nil {
				t.Fatalf("%s/Dockerfile: no COPY --from=%s... /lambda-adapter /opt/extensions/lambda-adapter in the final stage", ex, adapterImage)
			}
			c := df.adapterCopy
			if !strings.HasPrefix(c.from, adapterImage) || len(c.srcs) != 1 || c.dest != "/opt/extensions/lambda-adapter" {
				t.Errorf("%s/Dockerfile: %q, want COPY --from=%s<version> /lambda-adapter /opt/extensions/lambda-adapter", ex, c.line, adapterImage)
			}
			if len(c.srcs) == 1 && !adapterFS[strings.TrimPrefix(c.srcs[0], "/")] {
				t.Errorf("%s/Dockerfile copies %s, which the image lwa-pack builds does not have", ex, c.srcs[0])
			}
			checkImageRoute(t, host, ex, df)
		})
	}
}

// lwaPackImageFiles runs `lwa-pack image` with the layer's adapter binary (no compile) into an OCI
// layout and returns the paths in the image's filesystem.
func lwaPackImageFiles(t *testing.T) map[string]bool {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "oci")
	if err := run(repoRoot, lwaPack, "image", "--platform", "linux/amd64", "--binary", "linux/amd64="+adapterBin,
		"--version", "examples-e2e", "--output", "oci:"+dir, "-q"); err != nil {
		t.Fatal(err)
	}
	p, err := layout.FromPath(dir)
	if err != nil {
		t.Fatal(err)
	}
	idx, err := p.ImageIndex()
	if err != nil {
		t.Fatal(err)
	}
	img := firstImage(t, idx)
	files := imageFiles(t, img)
	if h, ok := files["opt/extensions/lambda-adapter"]; !ok || h.Mode&0o755 != 0o755 {
		t.Fatalf("lwa-pack image: no executable /opt/extensions/lambda-adapter")
	}
	out := map[string]bool{}
	for k := range files {
		out[k] = true
	}
	return out
}

// firstImage descends an index (lwa-pack's layout holds an index per image) to its first image.
func firstImage(t *testing.T, idx v1.ImageIndex) v1.Image {
	t.Helper()
	m, err := idx.IndexManifest()
	if err != nil || len(m.Manifests) == 0 {
		t.Fatalf("index: %v %+v", err, m)
	}
	d := m.Manifests[0]
	if d.MediaType.IsIndex() {
		child, err := idx.ImageIndex(d.Digest)
		if err != nil {
			t.Fatal(err)
		}
		return firstImage(t, child)
	}
	img, err := idx.Image(d.Digest)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// imageFiles flattens an image's layers and returns each path's header.
func imageFiles(t *testing.T, img v1.Image) map[string]*tar.Header {
	t.Helper()
	rc := mutate.Extract(img)
	defer rc.Close()
	out := map[string]*tar.Header{}
	tr := tar.NewReader(rc)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		out[strings.Trim(path.Clean(h.Name), "/")] = h
	}
}

// checkImageRoute builds the Dockerfile's final stage as an image (without running its RUN lines),
// pushes it, appends the adapter with `lwa-pack image --base`, and reads the result back.
func checkImageRoute(t *testing.T, host, ex string, df dockerfile) {
	t.Helper()
	base := buildBase(t, ex, df)
	ref := host + "/examples/" + ex + ":1"
	r, err := name.ParseReference(ref)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(r, base); err != nil {
		t.Fatal(err)
	}
	out := ref + "-lambda"
	if err := run(repoRoot, lwaPack, "image", "--base", ref, "--platform", "linux/amd64", "--binary", "linux/amd64="+adapterBin,
		"--push", out, "--version", "examples-e2e", "-q"); err != nil {
		t.Fatal(err)
	}
	or, _ := name.ParseReference(out)
	img, err := remote.Image(or)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := base.ConfigFile()
	got, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got.Config.Entrypoint, want.Config.Entrypoint) || !slices.Equal(got.Config.Cmd, want.Config.Cmd) ||
		got.Config.WorkingDir != want.Config.WorkingDir || !slices.Equal(got.Config.Env, want.Config.Env) {
		t.Errorf("lwa-pack image --base changed the config:\n got %+v\nwant %+v", got.Config, want.Config)
	}
	files := imageFiles(t, img)
	if h, ok := files["opt/extensions/lambda-adapter"]; !ok || h.Mode&0o755 != 0o755 {
		t.Errorf("no executable /opt/extensions/lambda-adapter in %s", out)
	}
	for p := range imageFiles(t, base) {
		if _, ok := files[p]; !ok {
			t.Errorf("/%s of the base image is missing after lwa-pack image --base", p)
		}
	}
	if ep := want.Config.Entrypoint; len(ep) > 0 && path.IsAbs(ep[0]) && !df.fromStage(ep[0]) {
		if _, ok := files[strings.TrimPrefix(ep[0], "/")]; !ok {
			t.Errorf("ENTRYPOINT %s is not in the image", ep[0])
		}
	}
	if len(want.Config.Entrypoint) == 0 && len(want.Config.Cmd) == 0 {
		t.Errorf("%s/Dockerfile sets neither ENTRYPOINT nor CMD", ex)
	}
}

// buildBase makes a single-platform image from the final stage: one layer with the build context's
// files copied where the COPY lines put them, and the config the Dockerfile sets.
func buildBase(t *testing.T, ex string, df dockerfile) v1.Image {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	mtime := time.Unix(1700000000, 0)
	for _, c := range df.contextCopies {
		dest := c.dest
		if !path.IsAbs(dest) {
			dest = path.Join(df.workdir, dest)
		}
		for _, src := range c.srcs {
			addToTar(t, tw, filepath.Join(ex, src), dest, len(c.srcs) > 1 || strings.HasSuffix(c.dest, "/"), mtime)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	data := buf.Bytes()
	layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil })
	if err != nil {
		t.Fatal(err)
	}
	cfg := &v1.ConfigFile{OS: "linux", Architecture: "amd64", Config: v1.Config{
		Entrypoint: df.entrypoint, Cmd: df.cmd, WorkingDir: df.workdir, Env: df.env}}
	img, err := mutate.ConfigFile(empty.Image, cfg)
	if err != nil {
		t.Fatal(err)
	}
	img, err = mutate.AppendLayers(img, layer)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// addToTar adds src (a file or a directory tree) at dest; intoDir puts a file under dest/ by name.
func addToTar(t *testing.T, tw *tar.Writer, src, dest string, intoDir bool, mtime time.Time) {
	t.Helper()
	st, err := os.Stat(src)
	if err != nil {
		t.Fatalf("COPY source %s: %v", src, err)
	}
	if !st.IsDir() && intoDir {
		dest = path.Join(dest, filepath.Base(src))
	}
	err = filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		info, err := d.Info()
		if err != nil {
			return err
		}
		h, err := tar.FileInfoHeader(info, "")
		if err != nil {
			return err
		}
		h.Name = strings.TrimPrefix(path.Join(dest, filepath.ToSlash(rel)), "/")
		h.ModTime, h.Uid, h.Gid, h.Uname, h.Gname = mtime, 0, 0, "", ""
		if d.IsDir() {
			h.Name += "/"
		}
		if err := tw.WriteHeader(h); err != nil {
			return err
		}
		if d.Type().IsRegular() {
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			_, err = tw.Write(b)
			return err
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
