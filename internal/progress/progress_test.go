package progress

import (
	"bytes"
	"strings"
	"testing"
)

func TestPlainWriterGetsLinesNotEscapes(t *testing.T) {
	var buf bytes.Buffer
	b := New(&buf, "epoch", 3, 0)
	b.Add(1, "err 0.5")
	b.Add(1, "")
	b.Add(1, "err 0.1")
	b.Finish()
	out := buf.String()
	if strings.Contains(out, "\x1b") || strings.Contains(out, "\r") {
		t.Fatalf("non-terminal output has terminal control codes: %q", out)
	}
	if !strings.Contains(out, "epoch 3/3 (100%)") || !strings.Contains(out, "err 0.1") {
		t.Fatalf("final state missing from %q", out)
	}
	if n := strings.Count(out, "epoch 3/3"); n != 1 {
		t.Fatalf("final state printed %d times:\n%s", n, out)
	}
	if IsTerminal(&buf) {
		t.Fatal("a buffer is not a terminal")
	}
}
