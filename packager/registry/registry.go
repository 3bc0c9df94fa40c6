// Package registry talks to container registries for lwa-pack: it reads a --base image's
// manifests and pushes images and layers, with credentials from the docker config keychain, and
// turns the registry's failures into messages that say what to do (never showing credentials).
package registry

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"

	"github.com/lwa-go/lwa/packager/image"
	"github.com/lwa-go/lwa/packager/referrer"
)

// Client reads and writes images in registries.
type Client struct {
	insecure  bool
	userAgent string
	transport http.RoundTripper
	keychain  authn.Keychain
}

// Options configure a Client.
type Options struct {
	// Insecure allows plain HTTP (and unverified TLS) to every registry; registries on
	// localhost and 127.0.0.0/8 use plain HTTP without it.
	Insecure bool
	// UserAgent identifies lwa-pack to the registry.
	UserAgent string
	// Transport replaces remote.DefaultTransport (tests).
	Transport http.RoundTripper
	// Keychain replaces authn.DefaultKeychain (the docker config, DOCKER_CONFIG).
	Keychain authn.Keychain
}

// New returns a Client.
func New(o Options) Client {
	c := Client{insecure: o.Insecure, userAgent: o.UserAgent, transport: o.Transport, keychain: o.Keychain}
	if c.keychain == nil {
		c.keychain = authn.DefaultKeychain
	}
	if c.transport == nil {
		c.transport = remote.DefaultTransport
	}
	return c
}

func (c Client) nameOptions() []name.Option {
	if c.insecure {
		return []name.Option{name.Insecure}
	}
	return nil
}

func (c Client) remoteOptions(ctx context.Context) []remote.Option {
	return []remote.Option{
		remote.WithContext(ctx),
		remote.WithAuthFromKeychain(c.keychain),
		remote.WithTransport(c.transport),
		remote.WithUserAgent(c.userAgent),
		// Fail in seconds, not the default ~4 s of back-off per step, when a registry is down.
		remote.WithRetryBackoff(remote.Backoff{Duration: 250 * time.Millisecond, Factor: 2, Jitter: 0.1, Steps: 3}),
	}
}

// CheckPush finds out, before anything is built, whether tag's repository takes a push with
// the credentials at hand: it starts a blob upload and cancels it, as ko does before building.
func (c Client) CheckPush(tag name.Tag) error {
	if err := remote.CheckPushPermission(tag, c.keychain, c.transport); err != nil {
		return Describe(tag.Registry, err)
	}
	return nil
}

// ParseReference parses an image reference (tag or digest).
func (c Client) ParseReference(s string) (name.Reference, error) {
	ref, err := name.ParseReference(s, c.nameOptions()...)
	if err != nil {
		return nil, fmt.Errorf("invalid image reference: %w", err)
	}
	return ref, nil
}

// ParseTag parses a reference to push to; without a tag it gets defaultTag.
func (c Client) ParseTag(s, defaultTag string) (name.Tag, error) {
	if strings.Contains(s, "@") {
		return name.Tag{}, errors.New("invalid image reference: want a tag to push to, not a digest")
	}
	tag, err := name.NewTag(s, append(c.nameOptions(), name.WithDefaultTag(defaultTag))...)
	if err != nil {
		return name.Tag{}, fmt.Errorf("invalid image reference: %w", err)
	}
	return tag, nil
}

// ParseRepository parses a repository to push a layer blob to (a tag, if given, is ignored).
func (c Client) ParseRepository(s string) (name.Repository, error) {
	ref, err := c.ParseReference(s)
	if err != nil {
		return name.Repository{}, err
	}
	return ref.Context(), nil
}

// Fetch reads the manifests of the image at ref: an index or a single image. Layers are read
// lazily, when the image is used.
func (c Client) Fetch(ctx context.Context, ref name.Reference) (image.Base, error) {
	desc, err := remote.Get(ref, c.remoteOptions(ctx)...)
	if err != nil {
		return image.Base{}, Describe(ref.Context().Registry, err)
	}
	if desc.MediaType.IsIndex() {
		idx, err := desc.ImageIndex()
		if err != nil {
			return image.Base{}, Describe(ref.Context().Registry, err)
		}
		return image.Base{Index: idx}, nil
	}
	if !desc.MediaType.IsImage() {
		return image.Base{}, fmt.Errorf("is a %s, not an image or image index", desc.MediaType)
	}
	img, err := desc.Image()
	if err != nil {
		return image.Base{}, Describe(ref.Context().Registry, err)
	}
	return image.Base{Image: img}, nil
}

// Push writes r (index or single image) to tag, then points each of extraTags (tag names in the
// same repository) at it. It returns the pushed digest.
func (c Client) Push(ctx context.Context, tag name.Tag, r image.Result, extraTags []string) (v1.Hash, error) {
	opts := c.remoteOptions(ctx)
	if err := remote.Push(tag, r, opts...); err != nil {
		return v1.Hash{}, Describe(tag.Registry, err)
	}
	for _, t := range extraTags {
		if err := remote.Tag(tag.Context().Tag(t), r, opts...); err != nil {
			return v1.Hash{}, fmt.Errorf("tag %s: %w", t, Describe(tag.Registry, err))
		}
	}
	return r.Digest()
}

// PushReferrer pushes an artifact that refers to an image of repo (an SBOM); registries without
// the referrers API get it in the referrers tag (sha256-<hex>) of its subject.
func (c Client) PushReferrer(ctx context.Context, repo name.Repository, a referrer.Artifact) error {
	if _, err := a.Push(ctx, repo, c.remoteOptions(ctx)...); err != nil {
		return Describe(repo.Registry, err)
	}
	return nil
}

// PushLayer uploads a layer blob to repo.
func (c Client) PushLayer(ctx context.Context, repo name.Repository, l v1.Layer) error {
	if err := remote.WriteLayer(repo, l, c.remoteOptions(ctx)...); err != nil {
		return Describe(repo.Registry, err)
	}
	return nil
}

// Describe explains a registry failure: missing image, refused credentials, unreachable host.
// The wrapped error is go-containerregistry's, which redacts credentials from URLs and never
// includes request headers.
func Describe(reg name.Registry, err error) error {
	host := reg.RegistryStr()
	var terr *transport.Error
	if errors.As(err, &terr) {
		switch {
		case terr.StatusCode == http.StatusUnauthorized:
			return fmt.Errorf("registry %s refused the credentials (HTTP 401): log in with `docker login %s`, or point DOCKER_CONFIG at a config that has them: %w", host, host, err)
		case terr.StatusCode == http.StatusForbidden:
			return fmt.Errorf("registry %s denied access (HTTP 403): the credentials lack permission for this repository: %w", host, err)
		case terr.StatusCode == http.StatusNotFound || hasCode(terr, transport.ManifestUnknownErrorCode, transport.NameUnknownErrorCode):
			return fmt.Errorf("not found in registry %s: %w", host, err)
		}
		return fmt.Errorf("registry %s: %w", host, err)
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("registry %s: %w", host, err)
	}
	if strings.Contains(err.Error(), "server gave HTTP response to HTTPS client") {
		return fmt.Errorf("registry %s speaks plain HTTP: pass --insecure to allow it: %w", host, err)
	}
	var oerr *net.OpError
	var dnsErr *net.DNSError
	if errors.As(err, &oerr) || errors.As(err, &dnsErr) {
		return fmt.Errorf("cannot reach registry %s: %w", host, err)
	}
	return fmt.Errorf("registry %s: %w", host, err)
}

func hasCode(e *transport.Error, codes ...transport.ErrorCode) bool {
	for _, d := range e.Errors {
		for _, c := range codes {
			if d.Code == c {
				return true
			}
		}
	}
	return false
}
