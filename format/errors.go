package format

import (
	"errors"
	"fmt"
)

// Sentinel errors. Every error returned by this package wraps exactly one of them, so
// callers can tell a damaged download from a file of a newer version with errors.Is.
var (
	// ErrNotBundle: the input is not an lwl bundle at all (empty, text, HTML, an LFS
	// pointer, gzip, zip, …). The message says what it looks like.
	ErrNotBundle = errors.New("not an lwl bundle")
	// ErrCorrupt: the input is a bundle but its bytes are damaged or truncated.
	ErrCorrupt = errors.New("corrupt bundle")
	// ErrVersion: the bundle was written by a newer, incompatible format version.
	ErrVersion = errors.New("unsupported format version")
	// ErrTooLarge: a declared size exceeds the reader's Limits.
	ErrTooLarge = errors.New("bundle exceeds limits")
	// ErrInvalid: the bundle decodes but describes an inconsistent model (sizes that do not
	// agree, NaN weights, a cyclic classifier, …). Write returns it for invalid input too.
	ErrInvalid = errors.New("invalid model")
)

// Error is the error type of this package: what is wrong, where, and which sentinel.
type Error struct {
	Where string // e.g. "network: layer 2", "header", "body offset 1234"; may be empty
	Msg   string
	Err   error // one of the sentinels
}

func (e *Error) Error() string {
	if e.Where == "" {
		return fmt.Sprintf("format: %s (%v)", e.Msg, e.Err)
	}
	return fmt.Sprintf("format: %s: %s (%v)", e.Where, e.Msg, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

func errf(sentinel error, where, msg string, args ...any) error {
	return &Error{Where: where, Msg: fmt.Sprintf(msg, args...), Err: sentinel}
}
