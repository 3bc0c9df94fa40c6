# lwa: the Lambda Web Adapter and its packaging toolchain. `make help` lists the targets.
SHELL := /usr/bin/env bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
SOURCE_DATE_EPOCH ?= $(shell git log -1 --format=%ct 2>/dev/null || echo 315532800)
export SOURCE_DATE_EPOCH
GOBIN := $(shell go env GOPATH)/bin
DIST ?= dist
LDFLAGS := -s -w -X main.version=$(VERSION)
# The adapter's: its version stamped behind a marker that lwa-pack doctor reads (packager/build.AdapterLDFlags).
ADAPTER_LDFLAGS := -s -w -X main.stamp=lwa-adapter-version=$(VERSION);
GOTEST_FLAGS ?=

.PHONY: help
help: ## List the targets
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-18s %s\n", $$1, $$2}'

.PHONY: tools
tools: ## Install the pinned test tools (RIE, go-httpbin, crane, skopeo, docker-registry, qemu)
	scripts/install-tools.sh test

.PHONY: build
build: ## Build lambda-adapter (linux/amd64, linux/arm64) and lwa-pack (this machine) into bin/
	@mkdir -p bin
	for arch in amd64 arm64; do \
	  CGO_ENABLED=0 GOOS=linux GOARCH=$$arch go build -trimpath -buildvcs=false -tags nethttpomithttp2 -ldflags "$(ADAPTER_LDFLAGS)" \
	    -o bin/linux_$$arch/lambda-adapter ./adapter/cmd/lambda-adapter; \
	done
	CGO_ENABLED=0 go build -trimpath -ldflags "$(LDFLAGS)" -o bin/lwa-pack ./packager/cmd/lwa-pack

.PHONY: dist
dist: build ## The main job: layer zips, SHA256SUMS and the OCI image layout in dist/
	bin/lwa-pack layer --version $(VERSION) --source . --output $(DIST)
	bin/lwa-pack image --version $(VERSION) --source . --output oci:$(DIST)/image

.PHONY: layer
layer: build ## Layer zips only, into dist/
	bin/lwa-pack layer --version $(VERSION) --source . --output $(DIST)

.PHONY: image
image: build ## OCI image layout only, into dist/image
	bin/lwa-pack image --version $(VERSION) --source . --output oci:$(DIST)/image

.PHONY: test
test: tools ## Every test: unit (with -race for the adapter), end-to-end (real RIE, registry, validators), adapter units as arm64 under qemu
	go vet ./...
	go test $(GOTEST_FLAGS) -race -count=1 ./adapter/...
	# Every package's unit tests run here too: the e2e tag adds files, it removes none.
	go test $(GOTEST_FLAGS) -count=1 -tags e2e -p 1 -timeout 20m ./...
	scripts/test-arm64.sh

.PHONY: lint
lint: ## gofmt, go vet and staticcheck
	scripts/install-tools.sh lint
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt:"; echo "$$out"; exit 1; fi
	go vet ./...
	go vet -tags e2e ./...
	$(GOBIN)/staticcheck ./...
	$(GOBIN)/staticcheck -tags e2e ./...

.PHONY: fuzz
fuzz: ## Run every fuzz target for FUZZTIME (default 60s) each
	scripts/fuzz.sh

.PHONY: bench
bench: ## The performance suite (see docs/performance.md; LWA_BENCH_MEMORY=128,512,1769 for Lambda-sized figures); not part of `make test`
	scripts/install-tools.sh bench
	scripts/bench/run.sh

.PHONY: release-snapshot
release-snapshot: ## goreleaser snapshot release into dist/ (offline, nothing published; docs/release.md)
	scripts/install-tools.sh release
	scripts/release/goreleaser.sh check
	scripts/release/goreleaser.sh release --snapshot --clean --skip=publish

.PHONY: release
release: ## Publish the release for the tag at HEAD (GITHUB_TOKEN, registry login, COSIGN_KEY/COSIGN_PASSWORD to sign; docs/release.md, docs/verify.md)
	scripts/install-tools.sh release
	scripts/release/goreleaser.sh release --clean

.PHONY: clean
clean: ## Remove build outputs
	rm -rf bin $(DIST)
