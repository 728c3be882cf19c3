package report_test

import (
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/shardnet/shardnet/internal/report"
)

// Confusion draws a matrix such as trainer.Evaluation's: rows are the true
// classes, columns the predicted ones.
func ExampleConfusion() {
	dir, err := os.MkdirTemp("", "report-example-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	var confusion [report.Classes][report.Classes]int
	for c := range report.Classes {
		confusion[c][c] = 95
		confusion[c][(c+1)%report.Classes] = 5
	}
	path := filepath.Join(dir, "confusion.png")
	if err := report.Confusion(path, confusion, "test accuracy 0.9500"); err != nil {
		log.Fatal(err)
	}
	fmt.Println("wrote", filepath.Base(path))
	// Output: wrote confusion.png
}
