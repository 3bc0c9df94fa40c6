// Package platform names the platforms lwa-pack builds for and maps them to the names Go, ELF,
// OCI and Lambda use for them.
package platform

import (
	"debug/elf"
	"fmt"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// Platform is one supported build target, written os/arch.
type Platform string

// The supported platforms.
const (
	AMD64 Platform = "linux/amd64"
	ARM64 Platform = "linux/arm64"
)

// All returns every supported platform, amd64 first.
func All() []Platform { return []Platform{AMD64, ARM64} }

// SupportedList is the human-readable list used in --platform's error messages; ParseList takes
// "all" too, Parse (one platform, as --binary PLATFORM=PATH names it) does not.
const SupportedList = "linux/amd64, linux/arm64, all"

// supportedOne lists what Parse accepts.
const supportedOne = "linux/amd64, linux/arm64"

// String returns the platform as os/arch, e.g. linux/arm64.
func (p Platform) String() string { return string(p) }

// GOARCH returns Go's name for the architecture: amd64 or arm64.
func (p Platform) GOARCH() string { return strings.TrimPrefix(string(p), "linux/") }

// LambdaArch returns Lambda's name for the architecture: x86_64 or arm64.
func (p Platform) LambdaArch() string {
	if p == AMD64 {
		return "x86_64"
	}
	return p.GOARCH()
}

// Machine returns the ELF machine a binary for this platform must have.
func (p Platform) Machine() elf.Machine {
	if p == AMD64 {
		return elf.EM_X86_64
	}
	return elf.EM_AARCH64
}

// OCI returns the platform as an OCI descriptor platform (arm64 carries variant v8).
func (p Platform) OCI() *v1.Platform {
	v := &v1.Platform{OS: "linux", Architecture: p.GOARCH()}
	if p == ARM64 {
		v.Variant = "v8"
	}
	return v
}

// Parse parses one platform: linux/amd64, linux/arm64 (linux/arm64/v8 is accepted too).
func Parse(s string) (Platform, error) {
	p, err := parse(s)
	if err != nil {
		return "", fmt.Errorf("%w (supported: %s)", err, supportedOne)
	}
	return p, nil
}

// parse recognises one platform; its error says what was given and, for a bare architecture
// (arm64, x86_64), which platform was meant.
func parse(s string) (Platform, error) {
	switch strings.TrimSpace(s) {
	case "linux/amd64":
		return AMD64, nil
	case "linux/arm64", "linux/arm64/v8":
		return ARM64, nil
	case "amd64", "x86_64", "linux/x86_64":
		return "", fmt.Errorf("unsupported platform %q: did you mean linux/amd64?", s)
	case "arm64", "aarch64", "linux/aarch64":
		return "", fmt.Errorf("unsupported platform %q: did you mean linux/arm64?", s)
	}
	return "", fmt.Errorf("unsupported platform %q", s)
}

// ParseList parses a list of comma-separated values, each a platform or "all". The result has no
// duplicates and is in the order of All. An empty list is an error.
func ParseList(values []string) ([]Platform, error) {
	want := map[Platform]bool{}
	for _, v := range values {
		for _, s := range strings.Split(v, ",") {
			if strings.TrimSpace(s) == "all" {
				for _, p := range All() {
					want[p] = true
				}
				continue
			}
			p, err := parse(s)
			if err != nil {
				return nil, fmt.Errorf("%w (supported: %s)", err, SupportedList)
			}
			want[p] = true
		}
	}
	var out []Platform
	for _, p := range All() {
		if want[p] {
			out = append(out, p)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no platform given (supported: %s)", SupportedList)
	}
	return out, nil
}

// FromOCI returns the supported platform matching an OCI platform, if any.
func FromOCI(p *v1.Platform) (Platform, bool) {
	if p == nil || p.OS != "linux" {
		return "", false
	}
	switch {
	case p.Architecture == "amd64":
		return AMD64, true
	case p.Architecture == "arm64" && (p.Variant == "" || p.Variant == "v8"):
		return ARM64, true
	}
	return "", false
}
