package readiness

import "time"

// Schedule decides when the check runs next.
//
// Every check costs CPU the function's app could have used, and on Lambda a function gets only its
// memory's share of a vCPU, so the cost that matters is the number of checks while the app starts.
// The delay an app sees between its listen() and the end of Init matters too, and users judge it
// against how long the app took to start: a quick app should be seen at once, a slow one a little
// later is no worse than it already was. So the checks come every Quick period while the app could
// still be quick, then at a fixed fraction of the time waited so far, which keeps the delay after
// listen() within that fraction of the app's own start (never a plain doubling, which can leave a
// slow app waiting for as long again as it took to start), at a cost that grows only with the
// logarithm of the wait. The zero value is not useful; use DefaultSchedule.
type Schedule struct {
	Quick       time.Duration // checks come this often...
	QuickWindow time.Duration // ...for this long from the start of the wait
	Divisor     int64         // then after the time waited so far divided by this
	Max         time.Duration // and never further apart than this
	Unhealthy   time.Duration // nor closer than this once the app answers (a full HTTP request each)
}

// DefaultSchedule is the schedule Wait uses. Quick apps are those listening within QuickWindow;
// Divisor 64 puts the next check at most 1/64 (about 1.6%) of the wait away, under the 2% a
// slow app's start may be lengthened by; Max bounds the delay for apps that take minutes;
// Unhealthy keeps an app that answers "not ready yet" from being asked hundreds of times a second.
func DefaultSchedule() Schedule {
	return Schedule{
		Quick:       time.Millisecond,
		QuickWindow: 100 * time.Millisecond,
		Divisor:     64,
		Max:         500 * time.Millisecond,
		Unhealthy:   5 * time.Millisecond,
	}
}

// Next is the delay before the next check, elapsed into the wait; answered reports that the last
// check reached the app (it accepted the connection but was not healthy yet).
func (r Schedule) Next(elapsed time.Duration, answered bool) time.Duration {
	d := r.Quick
	if elapsed >= r.QuickWindow {
		d = max(d, elapsed/time.Duration(r.Divisor))
	}
	if answered {
		d = max(d, r.Unhealthy)
	}
	return min(d, r.Max)
}
