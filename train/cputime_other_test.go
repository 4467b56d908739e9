//go:build !unix

package train

import "time"

// cpuTime is not measured here: benchWM's cpu-ns/WM reads 0.
func cpuTime() time.Duration { return 0 }
