package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// Every command exits as the go command and flag.ExitOnError do: 0 for -h, 2 for a
// mistake on the command line (reported before any work starts), 1 when the work fails.
// The -h and unknown-flag rows cover every registered command, new ones included.
func TestExitCodes(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "missing")
	type row struct {
		args []string
		code int
		want string // on stderr, in any case
	}
	rows := []row{
		{nil, 2, "Commands:"},
		{[]string{"-h"}, 0, "Commands:"},
		{[]string{"help"}, 0, "Commands:"},
		{[]string{"nosuch"}, 2, `unknown command "nosuch"`},
		{[]string{"repro"}, 2, "name an experiment"},
		{[]string{"repro", "-h"}, 0, "Experiments:"},
		{[]string{"repro", "nosuch"}, 2, `unknown experiment "nosuch"`},
		{[]string{"classify", "-majority", "2", "stray"}, 2, `unexpected arguments ["stray"]`},
		{[]string{"nmf", "-ledm", "6", "stray"}, 2, `unexpected arguments ["stray"]`},
		{[]string{"inspect", "a.lwlb", "b.lwlb"}, 2, "want exactly one bundle file"},
		{[]string{"judge", "-classifier", "c.lwlb", "a.lwlb", "b.lwlb"}, 2, "want -classifier"},
		{[]string{"classify", "-majority", "2", "-epochs", "x"}, 2, `invalid value "x" for flag -epochs`},
		{[]string{"classify", "-majority", "2", "-wmetric", "0.5"}, 2, `-wmetric "0.5": 1 values for 2 layers`},
		{[]string{"classify", "-majority", "2", "-wmetric", "0.5,-1"}, 2, `"-1" is not a positive number`},
		{[]string{"inspect", missing}, 1, "no such file"},
		{[]string{"judge", "-classifier", missing, "../../testdata/binary5-generator.lwlb"}, 1, missing},
		{[]string{"classify", "-csv", missing}, 1, missing},
		{[]string{"nmf", "-csv", missing}, 1, missing},
		{[]string{"filter", "-o", "new.lwlb"}, 2, "-generator and -o are required"},
		{[]string{"filter", "-generator", "../../testdata/binary5-generator.lwlb", "-o", "new.lwlb", "-iter", "0"}, 2, "must be positive"},
		{[]string{"filter", "-generator", "../../testdata/binary5-generator.lwlb", "-o", "../../testdata/binary5-generator.lwlb"}, 2, "is the -generator file"},
		{[]string{"filter", "-generator", missing, "-o", missing + ".lwlb"}, 1, missing},
		{[]string{"filter", "-generator", "../../testdata/mnist-classifier.lwlb", "-o", missing + ".lwlb"}, 1, "mnist-classifier.lwlb: a classifier bundle, want a generator"},
	}
	for _, name := range sortedNames(commands) {
		rows = append(rows,
			row{[]string{name, "-h"}, 0, "Usage: lwl-train " + name},
			row{[]string{name, "-nosuchflag"}, 2, "-nosuchflag"})
	}
	for _, name := range sortedNames(reproCommands) {
		rows = append(rows,
			row{[]string{"repro", name, "-h"}, 0, "Usage: lwl-train repro " + name},
			row{[]string{"repro", name, "-nosuchflag"}, 2, "flag provided but not defined: -nosuchflag"})
	}
	for _, r := range rows {
		var stdout, stderr bytes.Buffer
		code := run(r.args, &stdout, &stderr)
		if code != r.code || !strings.Contains(strings.ToLower(stderr.String()), strings.ToLower(r.want)) {
			t.Errorf("lwl-train %q: exit %d, want %d with %q on stderr; stderr:\n%s", r.args, code, r.code, r.want, stderr.String())
		}
		if code != 0 && stdout.Len() != 0 {
			t.Errorf("lwl-train %q: exit %d with %q on stdout", r.args, code, stdout.String())
		}
	}
}

// A command that takes flags only refuses a stray argument (a forgotten dash, say) as a
// usage error rather than running an hour-long experiment with the defaults. The context is
// already cancelled, so that a command that ignored the argument would stop at once.
func TestStrayArgumentIsUsageError(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	check := func(c command, args []string) {
		t.Helper()
		var stdout, stderr bytes.Buffer
		err := c.run(ctx, args, &stdout, &stderr)
		var ue *usageError
		if !errors.As(err, &ue) || !strings.Contains(err.Error(), "stray") {
			t.Errorf("%q: got %v, want a usage error naming the argument", args, err)
		}
	}
	check(commands["generative"], []string{"-o", filepath.Join(t.TempDir(), "g.lwlb"), "stray"})
	check(commands["filter"], []string{"-generator", "../../testdata/binary5-generator.lwlb", "-o", filepath.Join(t.TempDir(), "g.lwlb"), "stray"})
	for _, name := range sortedNames(reproCommands) {
		check(commands["repro"], []string{name, "stray"})
	}
}

func sortedNames(m map[string]command) []string {
	names := make([]string, 0, len(m))
	for n := range m {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Every registered command is listed by "lwl-train -h" in exactly one group, and the
// groups name no command that is not registered.
func TestCommandGroups(t *testing.T) {
	seen := map[string]string{}
	for _, g := range commandGroups {
		for _, n := range g.names {
			if other, ok := seen[n]; ok {
				t.Errorf("%s is in the groups %s and %s", n, other, g.heading)
			}
			seen[n] = g.heading
			if _, ok := commands[n]; !ok {
				t.Errorf("group %s names %s, which is no command", g.heading, n)
			}
		}
	}
	var stderr bytes.Buffer
	run([]string{"-h"}, io.Discard, &stderr)
	for _, n := range sortedNames(commands) {
		if _, ok := seen[n]; !ok {
			t.Errorf("command %s is in no group of lwl-train -h", n)
		}
		if c := strings.Count(stderr.String(), "\t"+n+" "); c != 1 {
			t.Errorf("lwl-train -h lists %s %d times:\n%s", n, c, stderr.String())
		}
	}
}

// Every command's -h, and every experiment's of repro, shows at least one example command
// line under "Example:" or "Examples:".
func TestHelpHasExamples(t *testing.T) {
	var args [][]string
	for _, n := range sortedNames(commands) {
		args = append(args, []string{n, "-h"})
	}
	for _, n := range sortedNames(reproCommands) {
		args = append(args, []string{"repro", n, "-h"})
	}
	for _, a := range args {
		var stderr bytes.Buffer
		if code := run(a, io.Discard, &stderr); code != 0 {
			t.Errorf("lwl-train %q: exit %d", a, code)
		}
		if !hasExample(stderr.String()) {
			t.Errorf("lwl-train %q: no example line in\n%s", a, stderr.String())
		}
	}
}
