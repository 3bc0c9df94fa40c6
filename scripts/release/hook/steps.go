package main

import "context"

// step is one stage of a hook command, in the shape of goreleaser's pipes: String names it,
// Skip says whether it has nothing to do and why, Run does it.
type step interface {
	String() string
	// Skip reports true when the step has nothing to do; reason, if not empty, is logged.
	Skip() (skip bool, reason string)
	Run(ctx context.Context) error
}

// runSteps runs steps in order, logging why a step is skipped; the first error stops them and
// is returned as the step made it (each step's errors already say what failed).
func runSteps(ctx context.Context, env environment, steps ...step) error {
	for _, s := range steps {
		if skip, reason := s.Skip(); skip {
			if reason != "" {
				env.Logf("%s: %s", s, reason)
			}
			continue
		}
		if err := s.Run(ctx); err != nil {
			return err
		}
	}
	return nil
}
