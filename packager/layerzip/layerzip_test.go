package layerzip

import (
	"archive/zip"
	"bytes"
	"io"
	"io/fs"
	"strings"
	"testing"
	"time"
)

func write(t *testing.T, entries []Entry, mod time.Time) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := Write(&buf, entries, mod); err != nil {
		t.Fatalf("Write: %v", err)
	}
	return buf.Bytes()
}

func TestWriteLayer(t *testing.T) {
	adapter := bytes.Repeat([]byte("\x7fELF adapter "), 1000)
	boot := []byte("#!/bin/bash\nexec -- \"${LAMBDA_TASK_ROOT}/${_HANDLER}\"\n")
	mod := time.Date(2024, 5, 6, 7, 8, 9, 0, time.FixedZone("X", 5*3600))
	data := write(t, Layer(adapter, boot), mod)

	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		name   string
		mode   fs.FileMode
		method uint16
		data   []byte
	}{
		{"bootstrap", 0o755, zip.Deflate, boot},
		{"extensions/", fs.ModeDir | 0o755, zip.Store, nil},
		{"extensions/lambda-adapter", 0o755, zip.Deflate, adapter},
	}
	if len(zr.File) != len(want) {
		t.Fatalf("got %d entries, want %d", len(zr.File), len(want))
	}
	wantTime := time.Date(2024, 5, 6, 2, 8, 8, 0, time.UTC) // UTC, 2-second resolution
	for i, f := range zr.File {
		w := want[i]
		if f.Name != w.name {
			t.Errorf("entry %d: name %q, want %q", i, f.Name, w.name)
		}
		if f.Mode() != w.mode {
			t.Errorf("%s: mode %v, want %v", f.Name, f.Mode(), w.mode)
		}
		if f.Method != w.method {
			t.Errorf("%s: method %d, want %d", f.Name, f.Method, w.method)
		}
		if f.CreatorVersion>>8 != 3 { // Unix, so unzip honours the mode
			t.Errorf("%s: creator OS %d, want 3 (Unix)", f.Name, f.CreatorVersion>>8)
		}
		if !f.Modified.Equal(wantTime) {
			t.Errorf("%s: modified %v, want %v", f.Name, f.Modified, wantTime)
		}
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(rc)
		rc.Close()
		if !bytes.Equal(got, w.data) {
			t.Errorf("%s: content differs", f.Name)
		}
	}
}

func TestWriteDeterministic(t *testing.T) {
	mod := time.Unix(1700000000, 0)
	a := write(t, Layer([]byte("one"), []byte("two")), mod)
	// Same entries in another order, same instant in another zone.
	e := Layer([]byte("one"), []byte("two"))
	e[0], e[2] = e[2], e[0]
	b := write(t, e, mod.In(time.FixedZone("Y", -7*3600)))
	if !bytes.Equal(a, b) {
		t.Fatal("two writes of the same layer differ")
	}
	c := write(t, Layer([]byte("one"), []byte("two")), mod.Add(time.Hour))
	if bytes.Equal(a, c) {
		t.Fatal("a different time gave the same bytes")
	}
}

func TestClampTime(t *testing.T) {
	for _, tc := range []struct {
		in, want time.Time
	}{
		{time.Unix(0, 0), time.Unix(MinEpoch, 0).UTC()},
		{time.Unix(MinEpoch-1, 0), time.Unix(MinEpoch, 0).UTC()},
		{time.Unix(MinEpoch+3, 0), time.Unix(MinEpoch+2, 0).UTC()},
		{time.Unix(1700000001, 0), time.Unix(1700000000, 0).UTC()},
	} {
		got := ClampTime(tc.in)
		if !got.Equal(tc.want) || got.Location() != time.UTC {
			t.Errorf("ClampTime(%v) = %v, want %v UTC", tc.in, got, tc.want)
		}
	}
	// An epoch of zero must not read back as 2098 or any other year than 1980.
	data := write(t, Layer([]byte("a"), []byte("b")), time.Unix(0, 0))
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range zr.File {
		if y := f.Modified.Year(); y != 1980 {
			t.Errorf("%s: year %d, want 1980", f.Name, y)
		}
	}
}

func TestWriteRejects(t *testing.T) {
	for _, tc := range []struct {
		name    string
		entries []Entry
		want    string
	}{
		{"absolute", []Entry{{Name: "/etc/passwd"}}, `"/etc/passwd": invalid name`},
		{"dotdot", []Entry{{Name: "../x"}}, `"../x": invalid name`},
		{"empty", []Entry{{Name: ""}}, `"": invalid name`},
		{"unclean", []Entry{{Name: "a//b"}}, `"a//b": invalid name`},
		{"duplicate", []Entry{{Name: "a"}, {Name: "a"}}, `"a": duplicate name`},
		{"dir data", []Entry{{Name: "d/", Data: []byte("x")}}, `"d/": a directory cannot have content`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			err := Write(&buf, tc.entries, time.Unix(MinEpoch, 0))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tc.want)
			}
			if buf.Len() != 0 {
				t.Errorf("wrote %d bytes before failing", buf.Len())
			}
		})
	}
}
