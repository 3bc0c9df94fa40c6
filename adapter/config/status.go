package config

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

const statusGrammar = "a comma-separated list of HTTP status codes (100-599) and inclusive ranges, e.g. 200-399,404"

// StatusRange is an inclusive range of HTTP status codes.
type StatusRange struct{ Lo, Hi int }

// StatusSet is a list of status codes and ranges, as in "200-399,404".
type StatusSet []StatusRange

// Contains reports whether code is in the set.
func (s StatusSet) Contains(code int) bool {
	for _, r := range s {
		if code >= r.Lo && code <= r.Hi {
			return true
		}
	}
	return false
}

// String formats the set in the grammar ParseStatusSet reads.
func (s StatusSet) String() string {
	parts := make([]string, len(s))
	for i, r := range s {
		if r.Lo == r.Hi {
			parts[i] = strconv.Itoa(r.Lo)
		} else {
			parts[i] = fmt.Sprintf("%d-%d", r.Lo, r.Hi)
		}
	}
	return strings.Join(parts, ",")
}

// ParseStatusSet reads "200-399,404": codes and inclusive ranges, separated by commas, spaces allowed;
// empty items ("500,") are skipped, as AWS's adapter does, but a list must name at least one code.
// Every code must be a three-digit HTTP status from 100 to 599, and a range must not be reversed.
func ParseStatusSet(v string) (StatusSet, error) {
	if strings.TrimSpace(v) == "" {
		return nil, errors.New("empty list")
	}
	var set StatusSet
	for _, item := range strings.Split(v, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue // "500,502-504," as AWS's adapter reads it
		}
		lo, hi, isRange := strings.Cut(item, "-")
		a, err := parseCode(lo)
		if err != nil {
			return nil, err
		}
		b := a
		if isRange {
			if b, err = parseCode(hi); err != nil {
				return nil, err
			}
			if b < a {
				return nil, fmt.Errorf("range %q is reversed", item)
			}
		}
		set = append(set, StatusRange{a, b})
	}
	if len(set) == 0 {
		return nil, errors.New("empty list")
	}
	return set, nil
}

func parseCode(s string) (int, error) {
	s = strings.TrimSpace(s)
	n, err := strconv.Atoi(s)
	if err != nil || len(s) != 3 || n < 100 || n > 599 {
		return 0, fmt.Errorf("%q is not a status code from 100 to 599", s)
	}
	return n, nil
}
