package spelling

import "testing"

func TestDistance(t *testing.T) {
	for _, tt := range []struct {
		a, b string
		want int
	}{
		{"", "", 0}, {"abc", "", 3}, {"", "abc", 3}, {"PORT", "PORT", 0}, {"MOD", "MODE", 1},
		{"READYNESS", "READINESS", 1}, {"INOVKE", "INVOKE", 1}, {"imgae", "image", 1},
		{"kitten", "sitting", 3},
		// A swap counts once only when nothing else edits the pair (optimal string alignment,
		// not the unrestricted Damerau distance, which would give 2).
		{"CA", "ABC", 3},
	} {
		if got := Distance(tt.a, tt.b); got != tt.want {
			t.Errorf("Distance(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
		if got := Distance(tt.b, tt.a); got != tt.want {
			t.Errorf("Distance(%q, %q) = %d, want %d (not symmetric)", tt.b, tt.a, got, tt.want)
		}
	}
}
