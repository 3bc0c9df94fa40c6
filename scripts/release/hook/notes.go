package main

import (
	"bytes"
	_ "embed"
	"fmt"
	"text/template"
)

// notesFile is the release notes footer in dist; .goreleaser.yaml's release.footer reads it.
const notesFile = "release-notes.md"

//go:embed notes.md.tmpl
var notesTemplate string

// notes is what the release notes footer lists.
type notes struct {
	Version, Commit, Epoch string
	Layers                 []noteLayer
	Template               string
	Image                  noteImage
	Signed                 bool
}

type noteLayer struct {
	Platform, Architecture, File, SHA256 string
}

type noteImage struct {
	Ref, Digest string
	Platforms   []string
}

func (n notes) render() ([]byte, error) {
	t, err := template.New("notes").Option("missingkey=error").Parse(notesTemplate)
	if err != nil {
		return nil, fmt.Errorf("release notes template: %w", err)
	}
	var buf bytes.Buffer
	if err := t.Execute(&buf, n); err != nil {
		return nil, fmt.Errorf("release notes template: %w", err)
	}
	return buf.Bytes(), nil
}
