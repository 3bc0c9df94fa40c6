package adapter

import (
	"strings"
	"testing"

	"github.com/lwa-go/lwa/internal/testenv"
)

// TestUnknownVariableWarned: a misspelt AWS_LWA_ variable is logged once at start, naming the
// variable it was probably meant to be, and the adapter still starts.
func TestUnknownVariableWarned(t *testing.T) {
	app := newHookApp(t)
	api := testenv.NewFakeAPI(t)
	_, logs := mainRun(t, api, app.addr(), "AWS_LWA_READYNESS_CHECK_PATH", "/healthz")
	waitFor(t, "next", func() bool { return api.NextPolls() > 0 })
	want := "AWS_LWA_READYNESS_CHECK_PATH is not a variable the adapter reads, so it has no effect: did you mean AWS_LWA_READINESS_CHECK_PATH?"
	if n := strings.Count(logs.String(), want); n != 1 {
		t.Errorf("warning logged %d times, want once:\n%s", n, logs)
	}
}
