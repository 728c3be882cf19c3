package fetch_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/shardnet/shardnet/internal/fetch"
	"github.com/shardnet/shardnet/shard"
)

// ExampleLocate finds the first directory holding a complete data set; a
// real program passes its --data-dir, the working directory's data folder
// and the cache directory, then calls Fetch when nothing is found.
func ExampleLocate() {
	root, err := os.MkdirTemp("", "locate-example-")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(root)
	full := filepath.Join(root, "full")
	if err := os.Mkdir(full, 0o755); err != nil {
		fmt.Println(err)
		return
	}
	for _, name := range shard.Files() {
		if err := os.WriteFile(filepath.Join(full, name+".gz"), nil, 0o644); err != nil {
			fmt.Println(err)
			return
		}
	}
	dir, ok := fetch.Locate(fetch.MNIST, []string{"", filepath.Join(root, "empty"), full})
	fmt.Println(ok, filepath.Base(dir))
	// Output: true full
}
