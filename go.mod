module github.com/lwa-go/lwa

go 1.26

// Direct dependencies, each for one need the standard library does not meet (docs: README, Development).
// Test tools (the Runtime Interface Emulator, go-httpbin, crane, staticcheck, goreleaser) are not here:
// scripts/install-tools.sh installs them pinned with `go install`, so they never reach users' builds.
require (
	// Pure-Go brotli for AWS_LWA_ENABLE_COMPRESSION (adapter/compress); no cgo in a static binary.
	github.com/andybalholm/brotli v1.2.8
	// Only for the benchmark's native handler (scripts/bench/native): the floor we measure against.
	github.com/aws/aws-lambda-go v1.55.1
	// lwa-pack publish only (packager/lambdalayer): the Lambda API with SigV4 signing, retries and
	// the credential chain users already configure for the AWS CLI (profiles, SSO, roles). Writing
	// that ourselves would be more code than the SDK adds: see docs/performance.md for lwa-pack's size.
	github.com/aws/aws-sdk-go-v2 v1.48.0
	github.com/aws/aws-sdk-go-v2/config v1.33.19
	github.com/aws/aws-sdk-go-v2/service/lambda v1.117.0
	// The SDK's error interface (smithy.APIError): the AWS error code in lwa-pack publish's messages.
	github.com/aws/smithy-go v1.28.9
	// OCI images, layouts, tarballs and registry pushes without a Docker daemon (lwa-pack image).
	github.com/google/go-containerregistry v0.22.1
	// lwa-pack's commands and flags, with environment-variable fallbacks.
	github.com/urfave/cli/v2 v2.27.7
	// SAM templates for lwa-pack doctor and local (packager/samtemplate): YAML with CloudFormation's local
	// tags (!Ref, !Sub) read as nodes. go.yaml.in/yaml/v3 over gopkg.in/yaml.v3: the same code and
	// API, maintained by the YAML organisation since gopkg.in/yaml.v3 was archived.
	go.yaml.in/yaml/v3 v3.0.6
	// errgroup for lwa-pack's fan-outs: per platform (compile, image, layer zip; the first error
	// cancels the rest) and per region (publish, with a limit). Already required by
	// go-containerregistry, so it adds no module.
	golang.org/x/sync v0.22.0
	// Tests only: the examples' AWS SAM templates are parsed to check what they set (examples/);
	// already in the module graph (urfave/cli and aws-lambda-go require it), so nothing new is fetched.
	gopkg.in/yaml.v3 v3.0.1
)

require (
	github.com/aws/aws-sdk-go-v2/aws/protocol/eventstream v1.7.27 // indirect
	github.com/aws/aws-sdk-go-v2/credentials v1.21.1 // indirect
	github.com/aws/aws-sdk-go-v2/feature/ec2/imds v1.20.9 // indirect
	github.com/aws/aws-sdk-go-v2/internal/configsources v1.5.12 // indirect
	github.com/aws/aws-sdk-go-v2/internal/endpoints/v2 v2.8.12 // indirect
	github.com/aws/aws-sdk-go-v2/internal/v4a v1.5.12 // indirect
	github.com/aws/aws-sdk-go-v2/service/internal/accept-encoding v1.13.25 // indirect
	github.com/aws/aws-sdk-go-v2/service/internal/presigned-url v1.14.12 // indirect
	github.com/aws/aws-sdk-go-v2/service/signin v1.13.1 // indirect
	github.com/aws/aws-sdk-go-v2/service/sso v1.39.5 // indirect
	github.com/aws/aws-sdk-go-v2/service/ssooidc v1.44.5 // indirect
	github.com/aws/aws-sdk-go-v2/service/sts v1.52.0 // indirect
	github.com/cpuguy83/go-md2man/v2 v2.0.7 // indirect
	github.com/docker/cli v29.7.2+incompatible // indirect
	github.com/docker/docker-credential-helpers v0.9.3 // indirect
	github.com/google/go-cmp v0.7.0 // indirect
	github.com/klauspost/compress v1.19.2 // indirect
	github.com/opencontainers/go-digest v1.0.0 // indirect
	github.com/opencontainers/image-spec v1.1.1 // indirect
	github.com/russross/blackfriday/v2 v2.1.0 // indirect
	github.com/sirupsen/logrus v1.9.4 // indirect
	github.com/xrash/smetrics v0.0.0-20240521201337-686a1a2994c1 // indirect
	golang.org/x/sys v0.47.0 // indirect
	gotest.tools/v3 v3.5.2 // indirect
)
