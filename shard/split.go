package shard

import "fmt"

// Range is the half-open sample index range [Start, End).
type Range struct {
	Start, End int
}

// Len returns the number of samples in r.
func (r Range) Len() int { return r.End - r.Start }

// Split divides n samples into parts contiguous ranges that cover [0, n) in
// order. Sizes differ by at most one, larger ranges first, so shard i's
// range depends only on n, parts and i. Every range is non-empty, so it is
// an error to ask for more parts than samples.
func Split(n, parts int) ([]Range, error) {
	if n < 0 {
		return nil, fmt.Errorf("shard: cannot split %d samples: expected a non-negative count", n)
	}
	if parts < 1 {
		return nil, fmt.Errorf("shard: cannot split %d samples into %d shards: expected at least 1 shard", n, parts)
	}
	if parts > n {
		return nil, fmt.Errorf("shard: cannot split %d samples into %d shards", n, parts)
	}
	size, extra := n/parts, n%parts
	out := make([]Range, parts)
	start := 0
	for i := range out {
		end := start + size
		if i < extra {
			end++
		}
		out[i] = Range{Start: start, End: end}
		start = end
	}
	return out, nil
}
