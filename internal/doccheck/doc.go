// Package doccheck holds the test that keeps the repository's Markdown pages linked
// correctly: every relative link and image in README.md, SPEC.md and docs/**/*.md must
// name an existing file or directory, and every #anchor a heading of the page it points
// to, under GitHub's anchor rules (the heading's text in lower case, punctuation dropped,
// spaces turned into hyphens, "-1", "-2", … appended to repeats).
//
// Links inside fenced code blocks and code spans are not links and are skipped, and so
// are absolute URLs (http:, mailto:, …). The package exports nothing; run
//
//	go test ./internal/doccheck
package doccheck
