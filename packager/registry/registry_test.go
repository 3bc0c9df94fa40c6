package registry

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/google/go-containerregistry/pkg/v1/validate"

	"github.com/lwa-go/lwa/internal/testenv"
	"github.com/lwa-go/lwa/packager/image"
	"github.com/lwa-go/lwa/packager/image/imagetest"
	"github.com/lwa-go/lwa/packager/platform"
)

func adapterResult(t *testing.T, platforms ...platform.Platform) image.Result {
	t.Helper()
	return imagetest.Adapter(t, "1.2.3", platforms...)
}

func TestPushIndexWithTags(t *testing.T) {
	host := testenv.InProcessRegistry(t)
	c := New(Options{UserAgent: "lwa-pack/test"})
	tag, err := c.ParseTag(host+"/lwa/adapter", "1.2.3")
	if err != nil {
		t.Fatal(err)
	}
	r := adapterResult(t, platform.All()...)
	got, err := c.Push(t.Context(), tag, r, []string{"latest", "1"})
	if err != nil {
		t.Fatal(err)
	}
	if want := imagetest.Digest(t, r); got != want {
		t.Fatalf("Push returned %s, want %s", got, want)
	}
	for _, ref := range []string{"1.2.3", "latest", "1"} {
		desc, err := remote.Get(tag.Context().Tag(ref))
		if err != nil {
			t.Fatalf("tag %s: %v", ref, err)
		}
		if desc.Digest != got || desc.MediaType != types.OCIImageIndex {
			t.Errorf("tag %s: %s %s, want %s %s", ref, desc.Digest, desc.MediaType, got, types.OCIImageIndex)
		}
	}
	idx, err := remote.Index(tag)
	if err != nil {
		t.Fatal(err)
	}
	if err := validate.Index(idx); err != nil {
		t.Fatalf("validate the pushed index: %v", err)
	}
}

func TestPushSingleImageAndFetch(t *testing.T) {
	host := testenv.InProcessRegistry(t)
	c := New(Options{})
	tag, _ := c.ParseTag(host+"/app", "v1")
	r := adapterResult(t, platform.ARM64)
	if _, err := c.Push(t.Context(), tag, r, nil); err != nil {
		t.Fatal(err)
	}
	base, err := c.Fetch(t.Context(), tag)
	if err != nil {
		t.Fatal(err)
	}
	if base.Index != nil || base.Image == nil {
		t.Fatalf("Fetch gave %+v, want a single image", base)
	}
	if imagetest.Digest(t, base.Image) != imagetest.Digest(t, r) {
		t.Fatalf("fetched %s, pushed %s", imagetest.Digest(t, base.Image), imagetest.Digest(t, r))
	}
	if mt, _ := base.Image.MediaType(); mt != types.OCIManifestSchema1 {
		t.Fatalf("fetched media type %s", mt)
	}
	if err := validate.Image(base.Image); err != nil {
		t.Fatalf("validate the fetched image (reads its layers back): %v", err)
	}
}

func TestFetchIndex(t *testing.T) {
	host := testenv.InProcessRegistry(t)
	c := New(Options{})
	tag, _ := c.ParseTag(host+"/app", "multi")
	r := adapterResult(t, platform.All()...)
	if _, err := c.Push(t.Context(), tag, r, nil); err != nil {
		t.Fatal(err)
	}
	base, err := c.Fetch(t.Context(), tag)
	if err != nil {
		t.Fatal(err)
	}
	if base.Index == nil || imagetest.Digest(t, base.Index) != imagetest.Digest(t, r) {
		t.Fatalf("Fetch gave %+v, want the index %s", base, imagetest.Digest(t, r))
	}
}

func TestPushLayer(t *testing.T) {
	host := testenv.InProcessRegistry(t)
	c := New(Options{})
	repo, err := c.ParseRepository(host + "/layers:ignored")
	if err != nil {
		t.Fatal(err)
	}
	l, err := image.Layer([]byte("adapter"), image.LayerOptions{ModTime: imagetest.Created})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.PushLayer(t.Context(), repo, l); err != nil {
		t.Fatal(err)
	}
	got, err := remote.Layer(repo.Digest(imagetest.Digest(t, l).String()))
	if err != nil {
		t.Fatal(err)
	}
	if gd, _ := got.DiffID(); gd != func() v1.Hash { d, _ := l.DiffID(); return d }() {
		t.Fatalf("read back diffID %s", gd)
	}
}

func TestFetchMissingNamesRegistry(t *testing.T) {
	host := testenv.InProcessRegistry(t)
	c := New(Options{})
	ref, _ := c.ParseReference(host + "/nothing:here")
	_, err := c.Fetch(t.Context(), ref)
	if err == nil || !strings.HasPrefix(err.Error(), "not found in registry "+host+": ") {
		t.Fatalf("err %v, want not found in registry %s", err, host)
	}
}

// statusRegistry answers every request with status, as a registry that refuses the client.
func statusRegistry(t *testing.T, status int) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		if status == http.StatusUnauthorized {
			w.Header().Set("WWW-Authenticate", `Basic realm="test"`)
		}
		w.WriteHeader(status)
	}))
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "http://")
}

func TestPushErrorsNameTheRegistry(t *testing.T) {
	t.Setenv("DOCKER_CONFIG", t.TempDir())
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	closed := l.Addr().String()
	l.Close()
	unauthorized, forbidden := statusRegistry(t, http.StatusUnauthorized), statusRegistry(t, http.StatusForbidden)

	canceled, cancel := context.WithCancel(t.Context())
	cancel()
	for _, tc := range []struct {
		name, host string
		ctx        context.Context
		want       string
	}{
		{"unreachable", closed, t.Context(), "cannot reach registry " + closed + ": "},
		{"401", unauthorized, t.Context(), "registry " + unauthorized + " refused the credentials (HTTP 401): log in with `docker login " + unauthorized + "`"},
		{"403", forbidden, t.Context(), "registry " + forbidden + " denied access (HTTP 403)"},
		{"canceled", closed, canceled, "registry " + closed + ": "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := New(Options{})
			tag, _ := c.ParseTag(tc.host+"/app", "v1")
			_, err := c.Push(tc.ctx, tag, adapterResult(t, platform.AMD64), nil)
			if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
				t.Fatalf("err %v, want it to start with %q", err, tc.want)
			}
			if tc.name == "canceled" && !errors.Is(err, context.Canceled) {
				t.Fatalf("err %v does not wrap context.Canceled", err)
			}
		})
	}
}

func TestParseTag(t *testing.T) {
	c := New(Options{})
	tag, err := c.ParseTag("example.com/app", "1.2.3")
	if err != nil || tag.TagStr() != "1.2.3" || tag.RepositoryStr() != "app" {
		t.Fatalf("%v %v, want the default tag", tag, err)
	}
	if _, err := c.ParseTag("example.com/app@sha256:"+strings.Repeat("a", 64), "x"); err == nil ||
		err.Error() != "invalid image reference: want a tag to push to, not a digest" {
		t.Fatalf("digest reference: %v", err)
	}
	insecure := New(Options{Insecure: true})
	tag, _ = insecure.ParseTag("example.com/app", "1")
	if tag.Scheme() != "http" {
		t.Fatalf("--insecure scheme %s, want http", tag.Scheme())
	}
	if tag, _ = c.ParseTag("example.com/app", "1"); tag.Scheme() != "https" {
		t.Fatalf("without --insecure: scheme %s, want https", tag.Scheme())
	}
}
