package platform

import (
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

func TestParseList(t *testing.T) {
	for _, tc := range []struct {
		in   []string
		want string
		err  string
	}{
		{in: []string{"all"}, want: "linux/amd64 linux/arm64"},
		{in: []string{"linux/arm64,linux/amd64"}, want: "linux/amd64 linux/arm64"},
		{in: []string{"linux/arm64/v8", "linux/arm64"}, want: "linux/arm64"},
		{in: []string{" linux/amd64 "}, want: "linux/amd64"},
		{in: []string{"linux/386"}, err: `unsupported platform "linux/386" (supported: linux/amd64, linux/arm64, all)`},
		{in: []string{"linux/amd64,"}, err: `unsupported platform "" (supported: linux/amd64, linux/arm64, all)`},
		{in: nil, err: "no platform given (supported: linux/amd64, linux/arm64, all)"},
		{in: []string{"arm64"}, err: `unsupported platform "arm64": did you mean linux/arm64? (supported: linux/amd64, linux/arm64, all)`},
	} {
		got, err := ParseList(tc.in)
		if tc.err != "" {
			if err == nil || err.Error() != tc.err {
				t.Errorf("ParseList(%q) err = %v, want %s", tc.in, err, tc.err)
			}
			continue
		}
		var names []string
		for _, p := range got {
			names = append(names, p.String())
		}
		if err != nil || strings.Join(names, " ") != tc.want {
			t.Errorf("ParseList(%q) = %v, %v; want %s", tc.in, names, err, tc.want)
		}
	}
}

// TestParseOne: one platform, as --binary PLATFORM=PATH names it, where "all" means nothing.
func TestParseOne(t *testing.T) {
	for in, want := range map[string]string{
		"all":       `unsupported platform "all" (supported: linux/amd64, linux/arm64)`,
		"arm64":     `unsupported platform "arm64": did you mean linux/arm64? (supported: linux/amd64, linux/arm64)`,
		"x86_64":    `unsupported platform "x86_64": did you mean linux/amd64? (supported: linux/amd64, linux/arm64)`,
		"linux/386": `unsupported platform "linux/386" (supported: linux/amd64, linux/arm64)`,
	} {
		if _, err := Parse(in); err == nil || err.Error() != want {
			t.Errorf("Parse(%q) = %v, want %s", in, err, want)
		}
	}
}

func TestNames(t *testing.T) {
	if AMD64.LambdaArch() != "x86_64" || ARM64.LambdaArch() != "arm64" || ARM64.GOARCH() != "arm64" {
		t.Error("architecture names")
	}
	if ARM64.OCI().String() != "linux/arm64/v8" || AMD64.OCI().String() != "linux/amd64" {
		t.Error("OCI platforms")
	}
	for _, tc := range []struct {
		p  *v1.Platform
		ok bool
	}{
		{&v1.Platform{OS: "linux", Architecture: "arm64"}, true},
		{&v1.Platform{OS: "linux", Architecture: "arm64", Variant: "v8"}, true},
		{&v1.Platform{OS: "linux", Architecture: "arm64", Variant: "v9"}, false},
		{&v1.Platform{OS: "windows", Architecture: "amd64"}, false},
		{nil, false},
	} {
		if _, ok := FromOCI(tc.p); ok != tc.ok {
			t.Errorf("FromOCI(%v) = %v", tc.p, ok)
		}
	}
}
