package usage

import "github.com/lwa-go/lwa/internal/spelling"

// Closest returns the candidate nearest to s, or "" when none is near enough to be what was meant:
// at most max(2, len(s)/3) edits, counting a swap of two neighbours as one edit (imgae → image).
func Closest(candidates []string, s string) string {
	best, bestD := "", max(2, len(s)/3)+1
	for _, c := range candidates {
		if d := spelling.Distance(s, c); d < bestD {
			best, bestD = c, d
		}
	}
	return best
}
