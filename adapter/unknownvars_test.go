package adapter

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/lwa-go/lwa/internal/testenv"
)

// TestUnknownVariableWarned: a misspelt AWS_LWA_ variable is logged once at start, naming the
// variable it was probably meant to be, and the adapter still starts.
func TestUnknownVariableWarned(t *testing.T) {
	app := newHookApp(t)
	api := testenv.NewFakeAPI(t)
	_, logs := startMain(t, context.Background(), api.Addr, app.addr(), "AWS_LWA_READYNESS_CHECK_PATH", "/healthz")
	eventually(t, 10*time.Second, func() bool { return api.NextPolls() > 0 }, "timed out waiting for next")
	want := "AWS_LWA_READYNESS_CHECK_PATH is not a variable the adapter reads, so it has no effect: did you mean AWS_LWA_READINESS_CHECK_PATH?"
	if n := strings.Count(logs.String(), want); n != 1 {
		t.Errorf("warning logged %d times, want once:\n%s", n, logs)
	}
}
