package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestInspect(t *testing.T) {
	var out, errb bytes.Buffer
	if err := runInspect(context.Background(), []string{"../../testdata/binary5-generator.lwlb"}, &out, &errb); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"kind        generator", "37 nodes (32 data, 5 code), 320 edges, layers 32 → 5 → (layer 0), Ω 100",
		"fpa 1", "classes   fake, genuine", "delta=0.34", "created     2025-01-01T00:00:00Z"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	out.Reset()
	if err := runInspect(context.Background(), []string{"-json", "../../format/testdata/majority3.lwlb"}, &out, &errb); err != nil {
		t.Fatal(err)
	}
	var r inspectReport
	if err := json.Unmarshal(out.Bytes(), &r); err != nil {
		t.Fatal(err)
	}
	if r.Kind != "classifier" || r.Network.Nodes != 5 || r.Network.Edges != 6 || r.Hyper["upsilon"] != 1 || r.Format != "1.0" {
		t.Errorf("json %+v", r)
	}
}

func TestInspectDamaged(t *testing.T) {
	dir := t.TempDir()
	data, _ := os.ReadFile("../../format/testdata/binary3.lwlb")
	bad := filepath.Join(dir, "bad.lwlb")
	os.WriteFile(bad, data[:len(data)-10], 0o644)
	var out, errb bytes.Buffer
	if code := run([]string{"inspect", bad}, &out, &errb); code != 1 || !strings.Contains(errb.String(), "truncated") {
		t.Errorf("exit %d, stderr %q", code, errb.String())
	}
	errb.Reset()
	if code := run([]string{"inspect"}, &out, &errb); code != 2 {
		t.Errorf("no argument: exit %d", code)
	}
	var ue *usageError
	if err := runInspect(context.Background(), nil, &out, &errb); !errors.As(err, &ue) {
		t.Errorf("no argument: %v", err)
	}
}
