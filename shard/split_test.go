package shard_test

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/shardnet/shardnet/shard"
)

func TestSplit(t *testing.T) {
	cases := []struct {
		name     string
		n, parts int
		want     []shard.Range
		err      string
	}{
		{"even", 12, 4, []shard.Range{{0, 3}, {3, 6}, {6, 9}, {9, 12}}, ""},
		{"uneven", 10, 3, []shard.Range{{0, 4}, {4, 7}, {7, 10}}, ""},
		{"uneven two larger", 11, 3, []shard.Range{{0, 4}, {4, 8}, {8, 11}}, ""},
		{"one part", 7, 1, []shard.Range{{0, 7}}, ""},
		{"parts equal n", 3, 3, []shard.Range{{0, 1}, {1, 2}, {2, 3}}, ""},
		{"parts above n", 5, 7, nil, "shard: cannot split 5 samples into 7 shards"},
		{"n zero", 0, 1, nil, "shard: cannot split 0 samples into 1 shards"},
		{"parts zero", 5, 0, nil, "shard: cannot split 5 samples into 0 shards: expected at least 1 shard"},
		{"parts negative", 5, -2, nil, "shard: cannot split 5 samples into -2 shards: expected at least 1 shard"},
		{"n negative", -1, 2, nil, "shard: cannot split -1 samples: expected a non-negative count"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := shard.Split(tc.n, tc.parts)
			if tc.err != "" {
				if err == nil || err.Error() != tc.err || got != nil {
					t.Fatalf("got %v, %v, want error %q", got, err, tc.err)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got %v, %v, want %v", got, err, tc.want)
			}
		})
	}
}

// TestSplitInvariants checks the documented properties for every small n and
// parts, and for the MNIST sizes.
func TestSplitInvariants(t *testing.T) {
	check := func(n, parts int) {
		rs, err := shard.Split(n, parts)
		if err != nil {
			t.Fatalf("Split(%d, %d): %v", n, parts, err)
		}
		if len(rs) != parts {
			t.Fatalf("Split(%d, %d): %d ranges", n, parts, len(rs))
		}
		next := 0
		for i, r := range rs {
			if r.Start != next || r.Len() < 1 {
				t.Fatalf("Split(%d, %d)[%d] = %v, want a non-empty range starting at %d", n, parts, i, r, next)
			}
			if i > 0 && (r.Len() > rs[i-1].Len() || rs[0].Len()-r.Len() > 1) {
				t.Fatalf("Split(%d, %d) sizes not balanced largest-first: %v", n, parts, rs)
			}
			next = r.End
		}
		if next != n {
			t.Fatalf("Split(%d, %d) covers [0, %d)", n, parts, next)
		}
	}
	for n := 1; n <= 40; n++ {
		for parts := 1; parts <= n; parts++ {
			check(n, parts)
		}
	}
	for parts := 1; parts <= 64; parts++ {
		check(60000, parts)
		check(10000, parts)
	}
}

func ExampleSplit() {
	ranges, err := shard.Split(10, 3)
	if err != nil {
		fmt.Println(err)
		return
	}
	for i, r := range ranges {
		fmt.Printf("shard %d: [%d, %d) %d samples\n", i, r.Start, r.End, r.Len())
	}
	_, err = shard.Split(5, 7)
	fmt.Println(err)
	// Output:
	// shard 0: [0, 4) 4 samples
	// shard 1: [4, 7) 3 samples
	// shard 2: [7, 10) 3 samples
	// shard: cannot split 5 samples into 7 shards
}
