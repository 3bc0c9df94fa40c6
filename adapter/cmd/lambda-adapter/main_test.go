package main

import (
	"testing"

	"github.com/lwa-go/lwa/adapter/config"
)

// TestTuningFor is main's tuning decision as a pure function of the environment: one P only with one
// runtime loop, GOGC=50, and whatever the user set wins.
func TestTuningFor(t *testing.T) {
	base := map[string]string{"AWS_LAMBDA_RUNTIME_API": "127.0.0.1:9001"}
	for _, tc := range []struct {
		name string
		env  map[string]string
		want tuning
	}{
		{"defaults: one loop", nil, tuning{maxProcs: 1, gcPercent: 50}},
		{"user GOMAXPROCS", map[string]string{"GOMAXPROCS": "4"}, tuning{gcPercent: 50}},
		{"user GOGC", map[string]string{"GOGC": "200"}, tuning{maxProcs: 1}},
		{"user GOGC=off and GOMAXPROCS", map[string]string{"GOGC": "off", "GOMAXPROCS": "2"}, tuning{}},
		{"Managed Instances: many loops", map[string]string{"AWS_LAMBDA_MAX_CONCURRENCY": "8"}, tuning{gcPercent: 50}},
		{"invalid configuration", map[string]string{"AWS_LWA_PORT": "not-a-port"}, tuning{gcPercent: 50}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := map[string]string{}
			for k, v := range base {
				env[k] = v
			}
			for k, v := range tc.env {
				env[k] = v
			}
			if got := tuningFor(config.MapLookup(env)); got != tc.want {
				t.Errorf("tuningFor(%v) = %+v, want %+v", tc.env, got, tc.want)
			}
		})
	}
}
