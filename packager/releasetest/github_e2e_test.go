//go:build e2e

package releasetest

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// fakeGitHub answers the GitHub API calls goreleaser makes to publish a release (rate limit,
// release by tag, create, upload assets, undraft) and records what it was sent, so a real
// `goreleaser release` can run offline. goreleaser reaches it through github_urls, which
// .goreleaser.yaml reads from LWA_GITHUB_API_URL and LWA_GITHUB_UPLOAD_URL.
type fakeGitHub struct {
	srv *httptest.Server

	mu      sync.Mutex
	release githubRelease
	created bool
	// assets are the uploaded files' SHA-256, by name.
	assets   map[string]string
	requests []string
}

type githubRelease struct {
	Name       string `json:"name"`
	TagName    string `json:"tag_name"`
	Body       string `json:"body"`
	Draft      bool   `json:"draft"`
	Prerelease bool   `json:"prerelease"`
}

const fakeRepo = "/repos/lwa-go/lwa"

func newFakeGitHub(t *testing.T) *fakeGitHub {
	g := &fakeGitHub{assets: map[string]string{}}
	g.srv = httptest.NewServer(http.HandlerFunc(g.serve))
	t.Cleanup(g.srv.Close)
	return g
}

// env is what goreleaser needs to publish to the fake.
func (g *fakeGitHub) env() []string {
	return []string{
		"GITHUB_TOKEN=fake-token",
		"LWA_GITHUB_API_URL=" + g.srv.URL + "/api/v3/",
		"LWA_GITHUB_UPLOAD_URL=" + g.srv.URL + "/api/uploads/",
	}
}

func (g *fakeGitHub) serve(w http.ResponseWriter, r *http.Request) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.requests = append(g.requests, r.Method+" "+r.URL.Path)
	api, upload := "/api/v3", "/api/uploads"
	switch {
	case r.Method == http.MethodGet && r.URL.Path == api+"/rate_limit":
		reply(w, http.StatusOK, map[string]any{"resources": map[string]any{
			"core":   map[string]any{"limit": 5000, "remaining": 5000, "reset": 4102444800},
			"search": map[string]any{"limit": 30, "remaining": 30, "reset": 4102444800},
		}})
	case r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, api+fakeRepo+"/releases/tags/"):
		reply(w, http.StatusNotFound, map[string]any{"message": "Not Found"})
	case r.Method == http.MethodPost && r.URL.Path == api+fakeRepo+"/releases":
		if g.created {
			reply(w, http.StatusUnprocessableEntity, map[string]any{"message": "already_exists"})
			return
		}
		if err := json.NewDecoder(r.Body).Decode(&g.release); err != nil {
			reply(w, http.StatusBadRequest, map[string]any{"message": err.Error()})
			return
		}
		g.created = true
		reply(w, http.StatusCreated, g.releaseJSON())
	case r.Method == http.MethodPatch && r.URL.Path == api+fakeRepo+"/releases/1":
		var patch map[string]any
		if err := json.NewDecoder(r.Body).Decode(&patch); err != nil {
			reply(w, http.StatusBadRequest, map[string]any{"message": err.Error()})
			return
		}
		if d, ok := patch["draft"].(bool); ok {
			g.release.Draft = d
		}
		if b, ok := patch["body"].(string); ok {
			g.release.Body = b
		}
		reply(w, http.StatusOK, g.releaseJSON())
	case r.Method == http.MethodPost && r.URL.Path == upload+fakeRepo+"/releases/1/assets":
		name := r.URL.Query().Get("name")
		h := sha256.New()
		if _, err := io.Copy(h, r.Body); err != nil {
			reply(w, http.StatusBadRequest, map[string]any{"message": err.Error()})
			return
		}
		if _, dup := g.assets[name]; dup {
			reply(w, http.StatusUnprocessableEntity, map[string]any{"message": "already_exists"})
			return
		}
		g.assets[name] = hex.EncodeToString(h.Sum(nil))
		reply(w, http.StatusCreated, map[string]any{"id": len(g.assets), "name": name})
	default:
		reply(w, http.StatusNotFound, map[string]any{"message": "fake GitHub: no route for " + r.Method + " " + r.URL.Path})
	}
}

func (g *fakeGitHub) releaseJSON() map[string]any {
	return map[string]any{
		"id": 1, "name": g.release.Name, "tag_name": g.release.TagName, "body": g.release.Body,
		"draft": g.release.Draft, "prerelease": g.release.Prerelease,
		"html_url":   g.srv.URL + "/lwa-go/lwa/releases/tag/" + g.release.TagName,
		"upload_url": g.srv.URL + "/api/uploads" + fakeRepo + "/releases/1/assets{?name,label}",
	}
}

func (g *fakeGitHub) snapshot() (githubRelease, map[string]string, []string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	assets := map[string]string{}
	for k, v := range g.assets {
		assets[k] = v
	}
	return g.release, assets, append([]string(nil), g.requests...)
}

func reply(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	if err := json.NewEncoder(w).Encode(v); err != nil {
		fmt.Println("fake GitHub:", err)
	}
}
