package local

import (
	"bytes"
	"fmt"
	"io"
	"os/exec"
	"strings"
	"sync"
)

// process is one of the environment's processes, its output prefixed line by line.
type process struct {
	name string
	argv []string
	cmd  *exec.Cmd
	out  *lineWriter
	done chan struct{}
	err  error // the exit status, once done is closed
}

func startProcess(name string, argv, env []string, dir string, out io.Writer) (*process, error) {
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = env
	cmd.Dir = dir
	lw := &lineWriter{prefix: "[" + name + "] ", out: out}
	cmd.Stdout, cmd.Stderr = lw, lw
	setProcessGroup(cmd)
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &process{name: name, argv: argv, cmd: cmd, out: lw, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		lw.flush()
		close(p.done)
	}()
	return p, nil
}

func (p *process) String() string { return strings.Join(p.argv, " ") }

// kill ends the process and everything it started (its process group).
func (p *process) kill() { signalGroup(p.cmd, sigKill) }

// terminate asks the process group to stop (SIGTERM).
func (p *process) terminate() { signalGroup(p.cmd, sigTerm) }

// tail is the end of the process's output, for error messages.
func (p *process) tail() string {
	lines := p.out.recent()
	if len(lines) == 0 {
		return ""
	}
	return "; its last output:\n  " + strings.Join(lines, "\n  ")
}

// lastLine is the latest output line containing s.
func (p *process) lastLine(s string) string {
	lines := p.out.recent()
	for i := len(lines) - 1; i >= 0; i-- {
		if strings.Contains(lines[i], s) {
			return lines[i]
		}
	}
	return ""
}

// lineWriter writes whole lines with a prefix, so that the adapter's and the app's output
// interleave by line, and remembers the last few.
type lineWriter struct {
	prefix string
	out    io.Writer
	mu     sync.Mutex
	buf    []byte
	last   []string
}

const keepLines = 20

func (w *lineWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf = append(w.buf, p...)
	for {
		i := bytes.IndexByte(w.buf, '\n')
		if i < 0 {
			break
		}
		w.emit(string(w.buf[:i]))
		w.buf = w.buf[i+1:]
	}
	return len(p), nil
}

func (w *lineWriter) emit(line string) {
	line = strings.TrimSuffix(line, "\r")
	fmt.Fprintf(w.out, "%s%s\n", w.prefix, line)
	w.last = append(w.last, line)
	if len(w.last) > keepLines {
		w.last = w.last[len(w.last)-keepLines:]
	}
}

func (w *lineWriter) flush() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.buf) > 0 {
		w.emit(string(w.buf))
		w.buf = nil
	}
}

func (w *lineWriter) recent() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]string(nil), w.last...)
}

// syncWriter serialises writes from several processes to one output.
type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}
