package output_test

import (
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/shardnet/shardnet/internal/output"
)

// Confusion draws a matrix such as trainer.Evaluation's: rows are the true
// classes, columns the predicted ones.
func ExampleConfusion() {
	dir, err := os.MkdirTemp("", "output-example-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	const classes = 10
	confusion := make([][]int, classes)
	for c := range confusion {
		confusion[c] = make([]int, classes)
		confusion[c][c] = 95
		confusion[c][(c+1)%classes] = 5
	}
	path := filepath.Join(dir, "confusion.png")
	if err := output.Confusion(path, confusion, "test accuracy 0.9500"); err != nil {
		log.Fatal(err)
	}
	fmt.Println("wrote", filepath.Base(path))
	// Output: wrote confusion.png
}
