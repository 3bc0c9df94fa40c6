// Command bootstrap is a net/http app for AWS Lambda behind the Lambda Web Adapter: a JSON API and a
// server-sent events endpoint, streamed with AWS_LWA_INVOKE_MODE=response_stream, and a graceful
// shutdown on SIGTERM. It is an ordinary HTTP server: `go run .` runs it locally on :8080.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"
)

func main() {
	log := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	if err := run(log); err != nil {
		log.Error("server failed", "error", err)
		os.Exit(1)
	}
}

func run(log *slog.Logger) error {
	port := os.Getenv("PORT")
	if port == "" {
		port = "8080" // the adapter's default
	}
	// Lambda sends SIGTERM before it shuts the environment down (the adapter, an extension, makes sure
	// it does); the runtime then has a few hundred milliseconds before SIGKILL.
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()

	srv := &http.Server{
		Addr:              net.JoinHostPort("127.0.0.1", port),
		Handler:           routes(),
		ReadHeaderTimeout: 10 * time.Second,
		BaseContext:       func(net.Listener) context.Context { return ctx },
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	log.Info("listening", "addr", srv.Addr)

	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("SIGTERM: shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	log.Info("shutdown complete")
	return nil
}

func routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.HandleFunc("GET /hello/{name}", hello)
	mux.HandleFunc("GET /events", events)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "not found", "path": r.URL.Path})
	})
	return mux
}

// hello greets by name, and counts visits in a cookie.
func hello(w http.ResponseWriter, r *http.Request) {
	visits := 0
	if c, err := r.Cookie("visits"); err == nil {
		visits, _ = strconv.Atoi(c.Value)
	}
	visits++
	http.SetCookie(w, &http.Cookie{Name: "visits", Value: strconv.Itoa(visits), Path: "/", HttpOnly: true})
	writeJSON(w, http.StatusOK, map[string]any{"greeting": "hello, " + r.PathValue("name"), "visits": visits})
}

// events sends n server-sent events, one every interval, flushing each so that the adapter streams
// it at once.
func events(w http.ResponseWriter, r *http.Request) {
	n, err := strconv.Atoi(r.URL.Query().Get("n"))
	if err != nil || n < 1 || n > 100 {
		n = 5
	}
	interval, err := time.ParseDuration(r.URL.Query().Get("interval"))
	if err != nil || interval < 0 || interval > 5*time.Second {
		interval = 200 * time.Millisecond
	}
	flusher, ok := w.(http.Flusher)
	if !ok {
		http.Error(w, "streaming unsupported", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	for i := 1; i <= n; i++ {
		fmt.Fprintf(w, "id: %d\nevent: tick\ndata: {\"tick\":%d,\"of\":%d}\n\n", i, i, n)
		flusher.Flush()
		if i == n {
			return
		}
		select {
		case <-time.After(interval):
		case <-r.Context().Done(): // the client left, or the server is shutting down
			return
		}
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
