package output

import (
	"bytes"
	"encoding/json"
)

// JSON is v as the documents lwa-pack and the release write it (the SBOM, the provenance):
// indented two spaces, HTML characters left as they are, a final newline. One encoder for all of
// them, so that a document rebuilt from the same input is byte for byte the same.
func JSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
