// Package envvars reads a function's environment as users write it for lwa-pack: `--env K=V`
// flags and dotenv files (`--env-file`).
package envvars

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strings"
)

// ParsePairs parses K=V items (the values of repeated --env flags). A later item for the same
// name replaces an earlier one, as a later export would.
func ParsePairs(pairs []string) (map[string]string, error) {
	out := make(map[string]string, len(pairs))
	for _, p := range pairs {
		k, v, ok := strings.Cut(p, "=")
		if !ok {
			return nil, fmt.Errorf("--env %q: want NAME=VALUE", p)
		}
		if err := checkName(k); err != nil {
			return nil, fmt.Errorf("--env %q: %w", p, err)
		}
		out[k] = v
	}
	return out, nil
}

// ReadFile reads a dotenv file; errors name the file and line.
func ReadFile(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read env file: %w", err)
	}
	defer f.Close()
	return Parse(f, path)
}

// Parse reads dotenv text: one NAME=VALUE a line, blank lines and `#` comments ignored, an
// optional `export ` prefix; a value may be 'single-quoted' (literal), "double-quoted" (with \n,
// \t, \", \\ and \$ escapes) or bare (trimmed, a ` #` starting a comment). name is used in errors.
func Parse(r io.Reader, name string) (map[string]string, error) {
	out := map[string]string{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 1024*1024)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(strings.TrimSuffix(sc.Text(), "\r"))
		if n == 1 {
			line = strings.TrimPrefix(line, "\ufeff")
		}
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, err := parseLine(line)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", name, n, err)
		}
		out[k] = v
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return out, nil
}

func parseLine(line string) (string, string, error) {
	if rest, ok := strings.CutPrefix(line, "export"); ok && rest != "" && (rest[0] == ' ' || rest[0] == '\t') {
		line = strings.TrimSpace(rest)
	}
	k, v, ok := strings.Cut(line, "=")
	if !ok {
		return "", "", fmt.Errorf("%q: want NAME=VALUE", line)
	}
	k = strings.TrimSpace(k)
	if err := checkName(k); err != nil {
		return "", "", err
	}
	v, err := parseValue(strings.TrimSpace(v))
	if err != nil {
		return "", "", fmt.Errorf("%s: %w", k, err)
	}
	return k, v, nil
}

func parseValue(v string) (string, error) {
	if v == "" {
		return "", nil
	}
	switch v[0] {
	case '\'':
		end := strings.IndexByte(v[1:], '\'')
		if end < 0 {
			return "", fmt.Errorf("unterminated single quote (values span one line)")
		}
		return v[1 : end+1], trailing(v[end+2:])
	case '"':
		return doubleQuoted(v)
	}
	if i := strings.Index(v, " #"); i >= 0 {
		v = v[:i]
	}
	if i := strings.Index(v, "\t#"); i >= 0 {
		v = v[:i]
	}
	return strings.TrimSpace(v), nil
}

func doubleQuoted(v string) (string, error) {
	var b strings.Builder
	for i := 1; i < len(v); i++ {
		c := v[i]
		switch {
		case c == '"':
			return b.String(), trailing(v[i+1:])
		case c == '\\' && i+1 < len(v):
			i++
			switch v[i] {
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			case 'r':
				b.WriteByte('\r')
			case '"', '\\', '$':
				b.WriteByte(v[i])
			default:
				b.WriteByte('\\')
				b.WriteByte(v[i])
			}
		default:
			b.WriteByte(c)
		}
	}
	return "", fmt.Errorf("unterminated double quote (values span one line)")
}

// trailing accepts only a comment after a quoted value.
func trailing(rest string) error {
	rest = strings.TrimSpace(rest)
	if rest == "" || strings.HasPrefix(rest, "#") {
		return nil
	}
	return fmt.Errorf("unexpected %q after the closing quote", rest)
}

// checkName accepts the names a shell can export: a letter or _, then letters, digits or _.
func checkName(k string) error {
	if k == "" {
		return fmt.Errorf("empty variable name")
	}
	for i, c := range k {
		letter := c == '_' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
		if !letter && (i == 0 || c < '0' || c > '9') {
			return fmt.Errorf("invalid variable name %q (letters, digits and _, not starting with a digit)", k)
		}
	}
	return nil
}

// Merge returns the union of the sources, a later source's value replacing an earlier one's
// (for lwa-pack: template or image, then --env-file, then --env).
func Merge(sources ...map[string]string) map[string]string {
	out := map[string]string{}
	for _, s := range sources {
		for k, v := range s {
			out[k] = v
		}
	}
	return out
}
