package doccheck

import (
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode"

	"github.com/stretchr/testify/require"
)

// link is one link or image target found in a page, with its 1-based line.
type link struct {
	target string
	line   int
}

var (
	fenceRE    = regexp.MustCompile("^ {0,3}(```+|~~~+)")
	atxRE      = regexp.MustCompile(`^ {0,3}#{1,6}(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$`)
	setextRE   = regexp.MustCompile(`^ {0,3}(?:=+|-+)[ \t]*$`)
	inlineRE   = regexp.MustCompile(`!?\[(?:[^\[\]]|\[[^\[\]]*\])*\]\(\s*<?([^\s()<>]*)>?(?:\s+(?:"[^"]*"|'[^']*'))?\s*\)`)
	refDefRE   = regexp.MustCompile(`^ {0,3}\[[^\]]+\]:\s*<?([^\s<>]+)>?`)
	htmlAttrRE = regexp.MustCompile(`\b(?:src|href)\s*=\s*"([^"]*)"`)
	htmlIDRE   = regexp.MustCompile(`<a\s[^>]*\b(?:name|id)\s*=\s*"([^"]+)"`)
	schemeRE   = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9+.-]*:`)
	mdLinkRE   = regexp.MustCompile(`!?\[((?:[^\[\]]|\[[^\[\]]*\])*)\]\([^)]*\)`)
)

// prose returns the page's lines with fenced code blocks emptied and code spans blanked
// (same length, so that nothing moves), and reports which lines are headings' text.
func prose(src string) []string {
	lines := strings.Split(strings.ReplaceAll(src, "\r\n", "\n"), "\n")
	out := make([]string, len(lines))
	fence := ""
	for i, l := range lines {
		if m := fenceRE.FindStringSubmatch(l); m != nil {
			switch {
			case fence == "":
				fence = m[1]
				continue
			case strings.HasPrefix(m[1], fence[:1]) && len(m[1]) >= len(fence) && strings.TrimSpace(l[strings.Index(l, m[1])+len(m[1]):]) == "":
				fence = ""
				continue
			}
		}
		if fence != "" {
			continue
		}
		out[i] = l
	}
	// Code spans may cross line breaks inside a paragraph, so blank them paragraph by
	// paragraph.
	for start := 0; start < len(out); {
		end := start
		for end < len(out) && strings.TrimSpace(out[end]) != "" {
			end++
		}
		if end > start {
			para := blankCodeSpans(strings.Join(out[start:end], "\n"))
			copy(out[start:end], strings.Split(para, "\n"))
		}
		start = end + 1
	}
	return out
}

// blankCodeSpans replaces every code span of s (a run of n backticks up to the next run
// of exactly n) by spaces, keeping line breaks; unmatched backticks stay literal.
func blankCodeSpans(s string) string {
	b := []byte(s)
	run := func(i int) int {
		j := i
		for j < len(b) && b[j] == '`' {
			j++
		}
		return j - i
	}
	for i := 0; i < len(b); {
		if b[i] != '`' {
			i++
			continue
		}
		n := run(i)
		j := i + n
		closed := -1
		for j < len(b) {
			if b[j] == '`' {
				m := run(j)
				if m == n {
					closed = j
					break
				}
				j += m
				continue
			}
			j++
		}
		if closed < 0 {
			i += n
			continue
		}
		for k := i; k < closed+n; k++ {
			if b[k] != '\n' {
				b[k] = ' '
			}
		}
		i = closed + n
	}
	return string(b)
}

// links returns the targets of the page's inline links and images, reference
// definitions and HTML src/href attributes, outside code.
func links(src string) []link {
	var ls []link
	for i, l := range prose(src) {
		if l == "" {
			continue
		}
		for _, m := range inlineRE.FindAllStringSubmatch(l, -1) {
			ls = append(ls, link{m[1], i + 1})
		}
		if m := refDefRE.FindStringSubmatch(l); m != nil {
			ls = append(ls, link{m[1], i + 1})
		}
		for _, m := range htmlAttrRE.FindAllStringSubmatch(l, -1) {
			ls = append(ls, link{m[1], i + 1})
		}
	}
	return ls
}

// slug is GitHub's anchor of a heading: its text as rendered (code spans' backticks,
// emphasis markers and link targets dropped), lower case, every character that is not a
// letter, mark, digit, connector (such as '_'), space or hyphen removed, and spaces
// turned into hyphens.
func slug(heading string) string {
	h := mdLinkRE.ReplaceAllString(heading, "$1")
	h = strings.NewReplacer("`", "", "*", "").Replace(h)
	h = strings.ToLower(strings.TrimSpace(h))
	var b strings.Builder
	for _, r := range h {
		switch {
		case r == ' ':
			b.WriteByte('-')
		case r == '-' || unicode.In(r, unicode.L, unicode.M, unicode.N, unicode.Pc):
			b.WriteRune(r)
		}
	}
	return b.String()
}

// anchors returns the set of anchors of a page: its headings' slugs (repeats numbered as
// GitHub does) and the names and ids of its HTML anchors.
func anchors(src string) map[string]bool {
	set := map[string]bool{}
	seen := map[string]int{}
	add := func(text string) {
		s := slug(text)
		if n := seen[s]; n > 0 {
			seen[s]++
			s = fmt.Sprintf("%s-%d", s, n)
		} else {
			seen[s] = 1
		}
		set[s] = true
	}
	lines := prose(src)
	for i, l := range lines {
		if l == "" {
			continue
		}
		if m := atxRE.FindStringSubmatch(l); m != nil {
			add(m[1])
			continue
		}
		if i > 0 && setextRE.MatchString(l) && strings.TrimSpace(lines[i-1]) != "" &&
			!atxRE.MatchString(lines[i-1]) && !strings.Contains(lines[i-1], "|") {
			add(strings.TrimSpace(lines[i-1]))
		}
		for _, m := range htmlIDRE.FindAllStringSubmatch(l, -1) {
			set[m[1]] = true
		}
	}
	return set
}

// check returns one problem per broken link of the given pages (paths relative to root,
// with '/' separators): a relative target that names no file or directory, or an anchor
// that names no heading of the Markdown page it points to.
func check(root string, pages []string) []string {
	var problems []string
	cache := map[string]map[string]bool{}
	pageAnchors := func(path string) (map[string]bool, error) {
		if a, ok := cache[path]; ok {
			return a, nil
		}
		src, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(path)))
		if err != nil {
			return nil, err
		}
		cache[path] = anchors(string(src))
		return cache[path], nil
	}
	for _, page := range pages {
		src, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(page)))
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s: %v", page, err))
			continue
		}
		for _, l := range links(string(src)) {
			if l.target == "" || schemeRE.MatchString(l.target) || strings.HasPrefix(l.target, "//") {
				continue
			}
			where := fmt.Sprintf("%s:%d: %s", page, l.line, l.target)
			rawPath, rawFrag, _ := strings.Cut(l.target, "#")
			p, err1 := url.PathUnescape(rawPath)
			frag, err2 := url.PathUnescape(rawFrag)
			if err1 != nil || err2 != nil {
				problems = append(problems, where+": bad escape")
				continue
			}
			target := page
			switch {
			case p == "":
			case strings.HasPrefix(p, "/"):
				target = strings.TrimPrefix(filepath.ToSlash(filepath.Clean(p)), "/")
			default:
				target = filepath.ToSlash(filepath.Clean(filepath.Join(filepath.Dir(page), p)))
			}
			if target == ".." || strings.HasPrefix(target, "../") {
				problems = append(problems, where+": outside the repository")
				continue
			}
			fi, err := os.Stat(filepath.Join(root, filepath.FromSlash(target)))
			if err != nil {
				problems = append(problems, where+": no such file or directory")
				continue
			}
			if frag == "" || fi.IsDir() || !strings.HasSuffix(target, ".md") {
				continue
			}
			a, err := pageAnchors(target)
			if err != nil {
				problems = append(problems, fmt.Sprintf("%s: %v", where, err))
				continue
			}
			if !a[frag] {
				problems = append(problems, fmt.Sprintf("%s: no heading %q in %s", where, frag, target))
			}
		}
	}
	return problems
}

// TestRepositoryLinks checks README.md, SPEC.md and every page under docs/.
func TestRepositoryLinks(t *testing.T) {
	root := filepath.Join("..", "..")
	pages := []string{"README.md", "SPEC.md"}
	err := filepath.WalkDir(filepath.Join(root, "docs"), func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && strings.HasSuffix(path, ".md") {
			rel, err := filepath.Rel(root, path)
			if err != nil {
				return err
			}
			pages = append(pages, filepath.ToSlash(rel))
		}
		return nil
	})
	require.NoError(t, err)
	require.Greater(t, len(pages), 3, "no pages under docs/")
	problems := check(root, pages)
	require.Empty(t, problems, "broken links:\n%s", strings.Join(problems, "\n"))
}

func TestSlug(t *testing.T) {
	for _, c := range []struct{ heading, want string }{
		{"Speed", "speed"},
		{"Beyond table 1: the LEDM frontier", "beyond-table-1-the-ledm-frontier"},
		{"Does the filter help?", "does-the-filter-help"},
		{"Convolutions (format 1.1)", "convolutions-format-11"},
		{"5.4 What the runtime returns", "54-what-the-runtime-returns"},
		{"lwl — learning without loss", "lwl--learning-without-loss"},
		{"Output and -json", "output-and--json"},
		{"1000 epochs (figure 9)", "1000-epochs-figure-9"},
		{"The `infer` package", "the-infer-package"},
		{"**Bold** and [a link](x.md)", "bold-and-a-link"},
		{"RRR_err, β and Ω", "rrr_err-β-and-ω"},
	} {
		require.Equal(t, c.want, slug(c.heading), c.heading)
	}
}

func TestLinks(t *testing.T) {
	for _, c := range []struct {
		name, src string
		want      []link
	}{
		{"link and image", "see [a](a.md) and ![pic](img/p.png)\n", []link{{"a.md", 1}, {"img/p.png", 1}}},
		{"anchor and title", "x\n[b](b.md#sec \"title\") [c](#here)", []link{{"b.md#sec", 2}, {"#here", 2}}},
		{"brackets in the text", `[SPEC.md "Conv" [1]](../SPEC.md#conv)`, []link{{"../SPEC.md#conv", 1}}},
		{"reference definition", "[ref]: docs/x.md\n", []link{{"docs/x.md", 1}}},
		{"html", `<img src="docs/p.png" alt="p"> <a href="y.md">y</a>`, []link{{"docs/p.png", 1}, {"y.md", 1}}},
		{"fenced code", "```go\n[no](no.md)\n```\n[yes](yes.md)", []link{{"yes.md", 4}}},
		{"tilde fence", "~~~\n[no](no.md)\n~~~", nil},
		{"code span", "`[no](no.md)` and ``a ` [no](no.md)`` [yes](y.md)", []link{{"y.md", 1}}},
		{"code span across lines", "a `x\n[no](no.md)` b\n\n[yes](y.md)", []link{{"y.md", 4}}},
		{"unmatched backtick", "a ` b [yes](y.md)", []link{{"y.md", 1}}},
		{"external", "[w](https://example.com) [m](mailto:a@b)", []link{{"https://example.com", 1}, {"mailto:a@b", 1}}},
	} {
		require.Equal(t, c.want, links(c.src), c.name)
	}
}

func TestAnchors(t *testing.T) {
	a := anchors("# Title\n\n## Speed\n\ntext\n\n## Speed\n\nSetext\n------\n\n```\n# not a heading\n```\n<a name=\"here\"></a>\n")
	for _, want := range []string{"title", "speed", "speed-1", "setext", "here"} {
		require.True(t, a[want], want)
	}
	require.False(t, a["not-a-heading"])
}

// TestCheck runs the checker on small pages and demands exactly the broken links.
func TestCheck(t *testing.T) {
	for _, c := range []struct {
		name  string
		files map[string]string
		want  []string // substrings, one per expected problem, in order
	}{
		{"all good", map[string]string{
			"README.md":          "[d](docs/a.md#part-two) ![p](docs/p.png) [self](#top) [dir](docs/) [web](https://x.y/z)\n\n# Top\n",
			"docs/a.md":          "# A\n\n## Part two\n\n[back](../README.md#top) [sib](sub/b.md)\n",
			"docs/p.png":         "",
			"docs/sub/b.md":      "[up](../a.md) [code](../../main.go#L3)",
			"main.go":            "package main",
			"docs/sub/other.txt": "",
		}, nil},
		{"missing file", map[string]string{
			"README.md": "[x](docs/missing.md)\n",
		}, []string{"README.md:1: docs/missing.md: no such file"}},
		{"missing image", map[string]string{
			"README.md": "a\n\n![p](docs/p.png)\n",
		}, []string{"README.md:3: docs/p.png: no such file"}},
		{"wrong relative path", map[string]string{
			"README.md": "# R\n", "docs/a.md": "[r](README.md)\n",
		}, []string{"docs/a.md:1: README.md: no such file"}},
		{"missing anchor", map[string]string{
			"README.md": "[a](docs/a.md#speed) [b](#nothing)\n# Here\n", "docs/a.md": "# A\n\n## Speed at small fan-in\n",
		}, []string{`no heading "speed" in docs/a.md`, `no heading "nothing" in README.md`}},
		{"outside the repository", map[string]string{
			"README.md": "[a](../elsewhere.md)\n",
		}, []string{"outside the repository"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			root := t.TempDir()
			var pages []string
			for name, body := range c.files {
				path := filepath.Join(root, filepath.FromSlash(name))
				require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
				require.NoError(t, os.WriteFile(path, []byte(body), 0o644))
				if strings.HasSuffix(name, ".md") {
					pages = append(pages, name)
				}
			}
			// A fixed order, so that the problems come in the order of want.
			slices.Sort(pages)
			got := check(root, pages)
			require.Len(t, got, len(c.want), "%q", got)
			for i, w := range c.want {
				require.Contains(t, got[i], w)
			}
		})
	}
}
