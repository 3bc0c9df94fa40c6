package doctor

import (
	"testing"

	"github.com/lwa-go/lwa/packager/build"
)

// TestStampedVersion: the version is read from behind the marker, a real stamp wins over the
// default "dev" one, and a marker followed by anything but a version up to ';' is not a stamp.
func TestStampedVersion(t *testing.T) {
	m := build.VersionMarker
	for _, c := range []struct{ name, data, want string }{
		{"release", "\x00\x01" + m + "v1.2.3;go1.26", "v1.2.3"},
		{"tag with build metadata", m + "1.2.3+build.7;", "1.2.3+build.7"},
		{"default beside the real one", m + "dev;" + "xx" + m + "v2.0.0;", "v2.0.0"},
		{"real before the default", m + "v2.0.0;" + m + "dev;", "v2.0.0"},
		{"default only", m + "dev;", "dev"},
		{"no terminator", m + "v1.2.3", ""},
		{"empty", m + ";", ""},
		{"followed by other strings", m + "invalid character in \"x\";", ""},
		{"none", "lambda-adapter v1.2.3;", ""},
	} {
		if got := stampedVersion([]byte(c.data)); got != c.want {
			t.Errorf("%s: stampedVersion(%q) = %q, want %q", c.name, c.data, got, c.want)
		}
	}
}
