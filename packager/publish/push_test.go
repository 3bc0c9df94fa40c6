package publish

import (
	"testing"

	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/lwa-go/lwa/internal/testenv"
	"github.com/lwa-go/lwa/packager/image/imagetest"
	"github.com/lwa-go/lwa/packager/platform"
	"github.com/lwa-go/lwa/packager/registry"
)

func TestRegistryResults(t *testing.T) {
	host := testenv.InProcessRegistry(t)
	c := registry.New(registry.Options{})
	tag, err := c.ParseTag(host+"/lwa/adapter:1.2.3", "unused")
	if err != nil {
		t.Fatal(err)
	}
	r := adapterResult(t, platform.All()...)
	res, err := Registry{Client: c, Tag: tag, ExtraTags: []string{"latest"}}.Publish(t.Context(), r)
	if err != nil {
		t.Fatal(err)
	}
	d := imagetest.Digest(t, r).String()
	want := []string{host + "/lwa/adapter:1.2.3@" + d, host + "/lwa/adapter:latest@" + d}
	if len(res) != len(want) {
		t.Fatalf("results %+v, want %v", res, want)
	}
	for i, w := range want {
		if res[i].Kind != "registry" || res[i].Ref != w || res[i].Digest != d {
			t.Errorf("result %d: %+v, want %s", i, res[i], w)
		}
		// Each reported reference resolves, by its digest, to what was pushed.
		desc, err := remote.Get(tag.Context().Digest(d))
		if err != nil || desc.Digest.String() != d {
			t.Errorf("%s: %v %v", w, desc, err)
		}
	}
}
