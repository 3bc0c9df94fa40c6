package adapter

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"

	"github.com/lwa-go/lwa/adapter/config"
)

// AWS_LAMBDA_LOG_FORMAT=JSON gives one JSON object per line with the keys of Lambda's own JSON log
// format; Text gives logfmt; the level comes from the configuration.
func TestLoggerFormats(t *testing.T) {
	var b bytes.Buffer
	log := newLogger(&b, config.Config{LogJSON: true, LogLevel: slog.LevelInfo})
	log.Debug("hidden")
	log.Info("app is ready", "after", "1ms")
	var rec map[string]any
	if err := json.Unmarshal(b.Bytes(), &rec); err != nil {
		t.Fatalf("not one JSON object: %q: %v", b.String(), err)
	}
	if rec["message"] != "app is ready" || rec["level"] != "INFO" || rec["after"] != "1ms" || rec["timestamp"] == nil ||
		rec["msg"] != nil || rec["time"] != nil {
		t.Errorf("record %v", rec)
	}
	b.Reset()
	log = newLogger(&b, config.Config{LogLevel: slog.LevelDebug})
	log.Debug("shown", "k", "v")
	if l := b.String(); !strings.Contains(l, `level=DEBUG msg=shown k=v`) {
		t.Errorf("text line %q", l)
	}
}
