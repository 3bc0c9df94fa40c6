package readiness

import (
	"testing"
	"time"
)

func TestScheduleNext(t *testing.T) {
	ms := time.Millisecond
	r := DefaultSchedule()
	for _, tc := range []struct {
		name     string
		elapsed  time.Duration
		answered bool
		want     time.Duration
	}{
		{"at the start", 0, false, ms},
		{"quick window, before the fraction would pass Quick", 63 * ms, false, ms},
		{"quick window, where the fraction is above Quick", 99 * ms, false, ms},
		{"the window's end", 100 * ms, false, 100 * ms / 64},
		{"one second", time.Second, false, time.Second / 64},
		{"ten seconds", 10 * time.Second, false, 10 * time.Second / 64},
		{"capped", 60 * time.Second, false, 500 * ms},
		{"answered early: not faster than Unhealthy", 10 * ms, true, 5 * ms},
		{"answered late: the fraction wins", 2 * time.Second, true, 2 * time.Second / 64},
		{"answered very late: capped", time.Hour, true, 500 * ms},
	} {
		if got := r.Next(tc.elapsed, tc.answered); got != tc.want {
			t.Errorf("%s: Next(%s, %v) = %s, want %s", tc.name, tc.elapsed, tc.answered, got, tc.want)
		}
	}
}

// TestScheduleNoticesWithinFraction walks a whole wait: whenever the app starts listening, the
// next check comes within max(2 ms, 2% of the time so far) of it (the goal, with room for
// the check's own latency), and the number of checks over a long wait grows with its logarithm only.
func TestScheduleNoticesWithinFraction(t *testing.T) {
	r := DefaultSchedule()
	var checks []time.Duration
	for at := time.Duration(0); at < 20*time.Second; at += r.Next(at, false) {
		checks = append(checks, at)
	}
	for i := 1; i < len(checks); i++ {
		gap := checks[i] - checks[i-1]
		// An app listening just after checks[i-1] is seen at checks[i]; its start took at least
		// checks[i-1].
		limit := max(2*time.Millisecond, checks[i-1]/50)
		if checks[i-1] < 100*time.Millisecond {
			limit = 2 * time.Millisecond // quick apps
		}
		if gap >= limit {
			t.Fatalf("check at %s, next at %s: gap %s, limit %s", checks[i-1], checks[i], gap, limit)
		}
	}
	// 100 checks in the quick window, then 64 per e-fold of the wait until the cap.
	if n := len(checks); n < 400 || n > 480 {
		t.Errorf("%d checks over 20 s, want 400-480 (logarithmic, not linear, in the wait)", n)
	}
	for _, c := range []struct {
		until time.Duration
		max   int
	}{{time.Second, 260}, {5 * time.Second, 365}} {
		n := 0
		for _, at := range checks {
			if at < c.until {
				n++
			}
		}
		if n > c.max {
			t.Errorf("%d checks in the first %s, want at most %d", n, c.until, c.max)
		}
	}
}
