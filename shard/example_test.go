package shard_test

import (
	"bytes"
	"fmt"

	"github.com/shardnet/shardnet/shard"
)

func ExampleReadImages() {
	var buf bytes.Buffer
	im := &shard.Images{Count: 2, Rows: 2, Cols: 3, Pixels: []uint8{0, 1, 2, 3, 4, 5, 10, 11, 12, 13, 14, 15}}
	if err := shard.WriteImages(&buf, im); err != nil {
		fmt.Println(err)
		return
	}
	got, err := shard.ReadImages(&buf, "example-idx3-ubyte", 0)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(got.Count, got.Rows, got.Cols, got.Image(1))

	// A file that ends early names itself and says what was missing.
	short := []byte{0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 3, 7, 7}
	_, err = shard.ReadImages(bytes.NewReader(short), "short-idx3-ubyte", 0)
	fmt.Println(err)
	// Output:
	// 2 2 3 [10 11 12 13 14 15]
	// shard: short-idx3-ubyte: truncated: header declares 12 pixel bytes, file holds 2
}
