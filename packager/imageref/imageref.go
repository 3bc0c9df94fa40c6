// Package imageref explains, in words, why a string is not an image reference
// (REGISTRY/REPOSITORY[:TAG][@DIGEST]), where go-containerregistry only says "could not parse
// reference". lwa-pack checks --base, --push and --name with it before parsing them.
package imageref

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/lwa-go/lwa/packager/tag"
)

var (
	digestPattern    = regexp.MustCompile(`^sha256:[a-f0-9]{64}$`)
	componentPattern = regexp.MustCompile(`^[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*$`)
)

// Check returns nil for a well-formed reference, else an error naming every problem found.
func Check(s string) error {
	if s == "" {
		return fmt.Errorf("empty reference: give REGISTRY/REPOSITORY[:TAG], e.g. ghcr.io/acme/app:1.0")
	}
	if strings.ContainsAny(s, " \t\n") {
		return fmt.Errorf("%q has white space: a reference is REGISTRY/REPOSITORY[:TAG] without spaces", s)
	}
	var problems []string
	rest, digest, hasDigest := strings.Cut(s, "@")
	if hasDigest && !digestPattern.MatchString(digest) {
		problems = append(problems, fmt.Sprintf("digest %q is not sha256: and 64 lower-case hex digits", digest))
	}
	domain, path := splitDomain(rest)
	lastSlash := strings.LastIndex(path, "/")
	repo, tg, hasTag := path, "", false
	if i := strings.Index(path[lastSlash+1:], ":"); i >= 0 {
		repo, tg, hasTag = path[:lastSlash+1+i], path[lastSlash+2+i:], true
	}
	if repo == "" {
		problems = append(problems, "no repository name")
	} else if lower := strings.ToLower(repo); lower != repo {
		problems = append(problems, fmt.Sprintf("repository %q has upper-case letters (repository names are lower-case: %s)", repo, lower))
	} else {
		for _, c := range strings.Split(repo, "/") {
			if !componentPattern.MatchString(c) {
				problems = append(problems, fmt.Sprintf("repository part %q: use a-z and 0-9, with . _ or - only between them", c))
				break
			}
		}
	}
	if hasTag {
		if strings.Contains(tg, ":") {
			problems = append(problems, fmt.Sprintf("%q has more than one ':' after the repository (a reference ends in at most one :TAG)", path[strings.Index(path, ":"):]))
		} else if err := tag.Check(tg); err != nil {
			problems = append(problems, err.Error())
		}
	}
	if domain != "" && strings.Count(domain, ":") > 1 {
		problems = append(problems, fmt.Sprintf("registry %q has more than one ':' (HOST[:PORT])", domain))
	}
	if len(problems) == 0 {
		return nil
	}
	return fmt.Errorf("not an image reference: %s", strings.Join(problems, "; "))
}

// splitDomain splits off the registry the way Docker does: the first part is a registry when it
// holds a '.' or a ':' or is localhost.
func splitDomain(s string) (domain, path string) {
	first, rest, ok := strings.Cut(s, "/")
	if ok && (strings.ContainsAny(first, ".:") || first == "localhost") {
		return first, rest
	}
	return "", s
}
