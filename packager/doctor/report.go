package doctor

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// WriteText writes the report as a checklist for people.
func (r Report) WriteText(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "lwa-pack doctor: %s (%s", r.Target, r.Kind)
	if r.Architecture != "" {
		fmt.Fprintf(&b, ", %s", r.Architecture)
	}
	b.WriteString(")\n")
	if r.Image != nil && r.Image.Platform != "" {
		fmt.Fprintf(&b, "  image: %s, %d of %d layers read", r.Image.Platform, r.Image.LayersRead, r.Image.Layers)
		if r.Image.Adapter {
			b.WriteString(", lwa-pack's adapter image (copy its /lambda-adapter into a function image)")
		}
		b.WriteString("\n")
	}
	if a := r.Adapter; a != nil {
		fmt.Fprintf(&b, "  adapter: %s", a.Path)
		if a.Architecture != "" {
			fmt.Fprintf(&b, ", %s", a.Architecture)
		}
		if a.Version != "" {
			fmt.Fprintf(&b, ", version %s", a.Version)
		}
		b.WriteString("\n")
	}
	for _, n := range r.Notes {
		fmt.Fprintf(&b, "  note: %s\n", n)
	}
	for _, f := range r.Findings {
		fmt.Fprintf(&b, "%-7s %s %s\n        seen: %s\n        fix:  %s\n", strings.ToUpper(string(f.Severity)), f.ID, f.Title, f.Seen, f.Fix)
	}
	if len(r.Findings) == 0 {
		b.WriteString("ok: no problems found\n")
	} else {
		fmt.Fprintf(&b, "%d error(s), %d warning(s); each id is explained in docs/doctor.md\n", r.Errors, r.Warnings)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteJSON writes the report as one JSON object (schema in docs/doctor.md).
func (r Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}
