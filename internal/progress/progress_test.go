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

// Lines printed through the bar come out whole: on a terminal the bar is cleared first and
// redrawn after; otherwise the line is just written.
func TestPrintfKeepsLinesWhole(t *testing.T) {
	var buf bytes.Buffer
	b := New(&buf, "runs", 2, 0)
	b.Printf("run %d done\n", 1)
	b.Add(2, "")
	b.Finish()
	if out := buf.String(); !strings.HasPrefix(out, "run 1 done\n") || !strings.Contains(out, "runs 2/2") {
		t.Fatalf("plain output %q", out)
	}
	buf.Reset()
	b = New(&buf, "runs", 2, 0)
	b.tty = true // as on a terminal
	b.Add(1, "")
	b.Printf("run %d done\n", 1)
	out := buf.String()
	i := strings.Index(out, "\r\x1b[Krun 1 done\n")
	if i < 0 || !strings.Contains(out[i:], "runs 1/2") {
		t.Fatalf("terminal output %q: want the bar cleared, the line, and the bar again", out)
	}
}

// A bar whose total grows reports the new total and is complete only when it is reached.
func TestAddTotal(t *testing.T) {
	var buf bytes.Buffer
	b := New(&buf, "runs", 2, 0)
	b.Add(2, "")
	b.AddTotal(3)
	b.Add(1, "")
	b.Finish()
	if out := buf.String(); !strings.Contains(out, "runs 2/2 (100%)") || !strings.Contains(out, "runs 3/5 (60%)") {
		t.Fatalf("output %q: want 2/2, then 3/5 after the total grew", out)
	}
}
