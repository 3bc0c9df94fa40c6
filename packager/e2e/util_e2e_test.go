//go:build e2e

package e2e

import (
	"archive/tar"
	"bytes"
	"io"
	"os/exec"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"regexp"
	"strings"
	"testing"
)

func matches(pattern, s string) bool { return regexp.MustCompile(pattern).MatchString(s) }

// runToolIn runs a command from PATH in dir and returns its combined output.
func runToolIn(t *testing.T, dir, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// optLayer is a layer holding /opt at 0750 owned by 1000:1000, to check that appending keeps it.
func optLayer(t *testing.T) v1.Layer {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: "opt/", Mode: 0o750, Uid: 1000, Gid: 1000, ModTime: time.Unix(1600000000, 0)})
	tw.Close()
	data := buf.Bytes()
	l, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }, tarball.WithMediaType(types.DockerLayer))
	if err != nil {
		t.Fatal(err)
	}
	return l
}
