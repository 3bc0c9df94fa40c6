package doctor_test

import (
	"context"
	"net"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/lwa-go/lwa/packager/doctor"
	"github.com/lwa-go/lwa/packager/registry"
)

func imageOfLayers(t *testing.T, layers ...[]file) v1.Image {
	t.Helper()
	img := mutate.MediaType(empty.Image, types.OCIManifestSchema1)
	img, err := mutate.ConfigFile(img, &v1.ConfigFile{Architecture: "amd64", OS: "linux", RootFS: v1.RootFS{Type: "layers"},
		Config: v1.Config{Cmd: []string{"/app"}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, files := range layers {
		if img, err = mutate.AppendLayers(img, tarLayer(t, files)); err != nil {
			t.Fatal(err)
		}
	}
	return img
}

func run(t *testing.T, target string, c *counter) doctor.Report {
	t.Helper()
	o := doctor.Options{Target: target, Registry: registry.New(registry.Options{})}
	if c != nil {
		o.Registry = registry.New(registry.Options{Transport: c})
	}
	rep, err := doctor.Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func ids(rep doctor.Report) string {
	var s []string
	for _, f := range rep.Findings {
		s = append(s, f.ID)
	}
	return strings.Join(s, ",")
}

// TestRegistryReadBudget: a registry target costs the manifest, the config and the layers down
// to the one holding the adapter; the base layers below are never fetched.
func TestRegistryReadBudget(t *testing.T) {
	host := startRegistry(t)
	img := functionImage(t, imageSpec{padding: 1 << 20})
	ref := push(t, host, "budget", img, nil)
	c := newCounter()
	rep := run(t, ref, c)
	if ids(rep) != "" || rep.Image.LayersRead != 1 || rep.Image.Layers != 3 {
		t.Fatalf("findings %q, %d of %d layers read", ids(rep), rep.Image.LayersRead, rep.Image.Layers)
	}
	layers, _ := img.Layers()
	top, _ := layers[2].Digest()
	cfg, _ := img.ConfigName()
	want := []string{"/v2/budget/blobs/" + cfg.String(), "/v2/budget/blobs/" + top.String()}
	got := c.blobPaths()
	if c.manifests.Load() != 1 || len(got) != 2 || !(got[0] == want[0] && got[1] == want[1] || got[0] == want[1] && got[1] == want[0]) {
		t.Errorf("%d manifest GETs and blobs %v, want 1 and %v", c.manifests.Load(), got, want)
	}

	// An index: the index, the chosen image's manifest, its config and its top layer.
	idx := indexOf(t, functionImage(t, imageSpec{arch: "amd64"}), functionImage(t, imageSpec{arch: "arm64"}))
	ref = push(t, host, "index", nil, idx)
	c = newCounter()
	rep = run(t, ref, c)
	if ids(rep) != "LWA020" || c.manifests.Load() != 2 || c.blobs.Load() != 2 {
		t.Errorf("index: findings %q, %d manifest and %d blob GETs, want LWA020, 2 and 2", ids(rep), c.manifests.Load(), c.blobs.Load())
	}
}

// TestWhiteouts: a file deleted in a higher layer, or under a directory a higher layer made
// opaque, is gone (and the layer holding it is read only for /opt's own entry); an unrelated top
// layer makes the reader go one layer further down.
func TestWhiteouts(t *testing.T) {
	host := startRegistry(t)
	app := []file{{name: "app", mode: 0o755, data: "#!/bin/sh\n"}}
	for _, tt := range []struct {
		name   string
		top    []file
		want   string
		layers int
	}{
		{"whiteout", []file{{name: "opt/extensions/.wh.lambda-adapter", mode: 0o644}}, "LWA001", 2},
		{"whiteout of the directory", []file{{name: "opt/.wh.extensions", mode: 0o644}}, "LWA001", 2},
		{"opaque directory", []file{{name: "opt/extensions/", mode: 0o755}, {name: "opt/extensions/.wh..wh..opq", mode: 0o644}}, "LWA001", 2},
		{"unrelated top layer", []file{{name: "tmp/", mode: 0o1777}}, "", 2},
	} {
		t.Run(tt.name, func(t *testing.T) {
			img := imageOfLayers(t, app, optFiles(adapterAMD64), tt.top)
			c := newCounter()
			rep := run(t, push(t, host, "wh", img, nil), c)
			if ids(rep) != tt.want || rep.Image.LayersRead != tt.layers {
				t.Errorf("findings %q, %d layers read; want %q, %d", ids(rep), rep.Image.LayersRead, tt.want, tt.layers)
			}
		})
	}
}

// TestRegistryErrors: an unreachable registry and a missing tag are errors that say so.
func TestRegistryErrors(t *testing.T) {
	host := startRegistry(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := l.Addr().String()
	l.Close()
	for _, tt := range []struct{ ref, want string }{
		{closed + "/fn:latest", "image " + closed + "/fn:latest: cannot reach registry " + closed},
		{host + "/nothing:here", "image " + host + "/nothing:here: not found in registry " + host},
	} {
		_, err := doctor.Run(context.Background(), doctor.Options{Target: tt.ref, Registry: registry.New(registry.Options{})})
		if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want prefix %q", tt.ref, err, tt.want)
		}
	}
}
