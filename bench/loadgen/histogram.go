package loadgen

import (
	"math/bits"
	"time"
)

// subBuckets is the number of buckets per power of two: values are kept
// to within 1/128 (0.8 %) of what was recorded.
const (
	subBits    = 7
	subBuckets = 1 << subBits
	// maxBuckets covers every int64 number of nanoseconds.
	maxBuckets = (64-subBits)*subBuckets + subBuckets
)

// Histogram counts durations in log-linear buckets: exact below 128 ns,
// then 128 buckets per power of two. The zero value is empty and ready;
// it is not safe for simultaneous use (give each worker its own, then
// Merge).
type Histogram struct {
	counts [maxBuckets]uint64
	total  uint64
	max    time.Duration
}

func bucketOf(v uint64) int {
	msb := bits.Len64(v) - 1
	if msb < subBits {
		return int(v)
	}
	shift := msb - subBits
	return shift*subBuckets + int(v>>shift)
}

// bucketLow and bucketHigh bound the values bucket i holds: [low, high).
func bucketLow(i int) uint64 {
	if i < 2*subBuckets {
		return uint64(i)
	}
	shift := i/subBuckets - 1
	return uint64(i-shift*subBuckets) << shift
}

func bucketHigh(i int) uint64 { return bucketLow(i + 1) }

// Record counts d (negative durations count as 0).
func (h *Histogram) Record(d time.Duration) {
	if d < 0 {
		d = 0
	}
	h.counts[bucketOf(uint64(d))]++
	h.total++
	if d > h.max {
		h.max = d
	}
}

// Merge adds o's counts to h.
func (h *Histogram) Merge(o *Histogram) {
	for i, c := range o.counts {
		h.counts[i] += c
	}
	h.total += o.total
	h.max = max(h.max, o.max)
}

// Count is the number of durations recorded.
func (h *Histogram) Count() uint64 { return h.total }

// Max is the largest duration recorded.
func (h *Histogram) Max() time.Duration { return h.max }

// Quantile returns the duration below which a fraction q (0..1) of the
// recorded ones lie: the middle of the bucket holding the q-th value (0
// when empty).
func (h *Histogram) Quantile(q float64) time.Duration {
	if h.total == 0 {
		return 0
	}
	rank := uint64(q*float64(h.total) + 0.5)
	rank = min(max(rank, 1), h.total)
	var seen uint64
	for i, c := range h.counts {
		seen += c
		if seen >= rank {
			low, high := bucketLow(i), bucketHigh(i)
			return min(time.Duration(low+(high-low)/2), h.max)
		}
	}
	return h.max
}
